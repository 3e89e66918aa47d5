/// Checks the audit log's hash chains, each across its segments.
///
/// Within a segment every line must hash to its `hash` and carry the hash of
/// the line before as its `prev`. Across segments, a chain's segments must be
/// numbered without a gap and each one's first line (its `audit.segment`
/// event) must carry the last hash of the one before. A chain may begin
/// after segment 1 only where its head record (`AuditHead`, written by `gc`
/// before it removed the older segments) says so, and its first kept
/// segment must begin where the record says. A chain written before segments
/// existed is one segment 1 and checks as it always did.
public enum AuditVerifier {
    /// Checks every chain in the audit folder.
    public static func verifyAll(layout: RootLayout, fileSystem: any FileSystem) throws(FileSystemError) -> AuditReport {
        var report = AuditReport()
        for chain in try AuditChain.list(layout: layout, fileSystem: fileSystem) {
            verify(chain, layout: layout, fileSystem: fileSystem, into: &report)
        }
        return report
    }

    /// Checks one chain's segments in order, adding the first problem of each file to `report`.
    static func verify(_ chain: AuditChain, layout: RootLayout, fileSystem: any FileSystem, into report: inout AuditReport) {
        report.chains += 1
        var problems = FileProblems()
        let headFile = layout.relative(AuditHead.path(chain: chain.id, layout: layout))
        var head: AuditHead?
        if chain.hasHead {
            switch AuditHead.read(chain: chain.id, layout: layout, fileSystem: fileSystem) {
            case .missing: break
            case .unreadable(let reason): problems.add(headFile, 0, "the head record of chain \(chain.id) cannot be used: \(reason)")
            case .head(let found) where found.chain != chain.id:
                problems.add(headFile, 0, "the head record names chain '\(found.chain)', not \(chain.id): it was copied or edited")
            case .head(let found): head = found
            }
        }
        guard let first = chain.segments.first, let last = chain.segments.last else {
            problems.add(headFile, 0, "chain \(chain.id) has a head record but none of its segments: its last segment was removed")
            report.problems += problems.list
            return
        }
        if let head, head.segment > last.number {
            problems.add(
                headFile, 0,
                "the head record says chain \(chain.id) begins at segment \(head.segment), but its last segment is \(last.number): segments were removed after it was written"
            )
        }
        var expected: String?
        var mismatch = ""
        if first.number == 1 {
            expected = AuditLog.genesis
        } else if let head, head.segment < first.number {
            problems.add(
                file(first, layout), 1,
                "\(missing(head.segment, first.number - 1, of: chain.id, layout)): the head record \(headFile) says the chain begins at segment \(head.segment)"
            )
        } else if head == nil, problems.list.isEmpty {
            problems.add(
                file(first, layout), 1,
                "segments 1…\(first.number - 1) of chain \(chain.id) were removed without a head record (\(headFile)): the chain's beginning is missing"
            )
        }
        var previous: (segment: AuditSegmentName, lastHash: String?)?
        for segment in chain.segments {
            let path = Path.join(layout.audit, segment.fileName)
            if let previous {
                if segment.number != previous.segment.number + 1 {
                    problems.add(
                        file(segment, layout), 1,
                        "\(missing(previous.segment.number + 1, segment.number - 1, of: chain.id, layout)): a middle segment was removed, so the chain is broken before this one"
                    )
                    expected = nil
                } else {
                    expected = previous.lastHash
                    mismatch =
                        "'prev' is not the last hash of \(file(previous.segment, layout)) (segment \(previous.segment.number)): that segment lost lines at its end, or one of the two was replaced"
                }
            }
            report.files += 1
            var check = AuditSegmentCheck(file: file(segment, layout), segment: segment, expectedPrev: expected, mismatch: mismatch)
            do {
                let torn = try AuditLineReader(fileSystem: fileSystem).read(path) { line in
                    check.check(line.bytes, number: line.number)
                    return true
                }
                check.torn(torn)
                check.finish(isLast: segment == chain.segments.last)
            } catch {
                problems.add(file(segment, layout), 0, "cannot read: \(error)")
                previous = (segment, nil)
                continue
            }
            report.events += check.events
            if let problem = check.problem { problems.add(problem.file, problem.line, problem.message) }
            if let head, head.segment == segment.number, let firstPrev = check.firstPrev, firstPrev != head.continuesFrom {
                problems.add(
                    file(segment, layout), 1,
                    "its first line's 'prev' is not the 'continuesFrom' of the head record \(headFile): the head record or this segment was changed"
                )
            }
            previous = (segment, check.lastHash)
        }
        report.problems += problems.list
    }

    /// "segment 3 of chain X is missing (outbox/audit/X~0003.jsonl)", or "segments 3…5 of chain X are missing (…)".
    private static func missing(_ from: Int, _ through: Int, of chain: String, _ layout: RootLayout) -> String {
        let firstFile = file(AuditSegmentName(chain: chain, number: from), layout)
        if from == through { return "segment \(from) of chain \(chain) is missing (\(firstFile))" }
        return
            "segments \(from)…\(through) of chain \(chain) are missing (\(firstFile) to \(AuditSegmentName(chain: chain, number: through).fileName))"
    }

    private static func file(_ segment: AuditSegmentName, _ layout: RootLayout) -> String {
        layout.relative(Path.join(layout.audit, segment.fileName))
    }

    /// The first problem of each file, in the order found.
    private struct FileProblems {
        var list: [AuditProblem] = []
        private var files: Set<String> = []

        mutating func add(_ file: String, _ line: Int, _ message: String) {
            guard files.insert(file).inserted else { return }
            list.append(AuditProblem(file: file, line: line, message: message))
        }
    }

    /// The audit segment files, by name (a chain's first segment sorts before its later ones).
    public static func auditFiles(layout: RootLayout, fileSystem: any FileSystem) throws(FileSystemError) -> [String] {
        guard fileSystem.exists(layout.audit) else { return [] }
        return try fileSystem.list(layout.audit).map(\.name).filter { AuditSegmentName(fileName: $0) != nil }.sorted()
    }
}
