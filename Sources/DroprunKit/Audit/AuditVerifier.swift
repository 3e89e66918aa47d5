/// Checks the audit log's hash chains.
public enum AuditVerifier {
    /// Checks one file's chain; returns its event count and its first problem.
    public static func verify(_ bytes: [UInt8], file: String) -> (events: Int, problem: AuditProblem?) {
        var prev = AuditLog.genesis
        var lineNumber = 0
        var events = 0
        var start = 0
        while start < bytes.count {
            lineNumber += 1
            guard let newline = bytes[start...].firstIndex(of: 0x0A) else {
                return (
                    events,
                    AuditProblem(
                        file: file, line: lineNumber,
                        message: "torn last line: \(bytes.count - start) bytes with no newline (a writer died mid-line); it is not an event")
                )
            }
            let line = Array(bytes[start..<newline])
            start = newline + 1
            guard case .object(var members) = (try? RecordReader.parse(line)) ?? .null else {
                return (events, AuditProblem(file: file, line: lineNumber, message: "not a JSON object: the line was damaged or edited"))
            }
            guard let hash = members.removeValue(forKey: "hash")?.stringValue, let linePrev = members["prev"]?.stringValue else {
                return (events, AuditProblem(file: file, line: lineNumber, message: "missing 'hash' or 'prev'"))
            }
            let computed = SHA256.hex(JSONWriter.compactBytes(.object(members)))
            if computed != hash {
                return (events, AuditProblem(file: file, line: lineNumber, message: "hash does not match the event: the line was edited"))
            }
            if linePrev != prev {
                let message =
                    lineNumber == 1
                    ? "'prev' should be 64 zeros on a chain's first line: lines before it were deleted"
                    : "'prev' does not match line \(lineNumber - 1)'s hash: a line was deleted, inserted or reordered before it"
                return (events, AuditProblem(file: file, line: lineNumber, message: message))
            }
            guard let name = members["event"]?.stringValue, AuditEventName(rawValue: name) != nil else {
                return (events, AuditProblem(file: file, line: lineNumber, message: "unknown event name \(members["event"]?.preview ?? "(none)")"))
            }
            prev = hash
            events += 1
        }
        return (events, nil)
    }

    /// Checks every `.jsonl` file in the audit folder.
    public static func verifyAll(layout: RootLayout, fileSystem: any FileSystem) throws(FileSystemError) -> AuditReport {
        var report = AuditReport()
        let names = try auditFiles(layout: layout, fileSystem: fileSystem)
        for name in names {
            let path = Path.join(layout.audit, name)
            report.files += 1
            let bytes: [UInt8]
            do {
                bytes = try fileSystem.readFile(path, maxBytes: 1 << 34)
            } catch {
                report.problems.append(AuditProblem(file: layout.relative(path), line: 0, message: "cannot read: \(error)"))
                continue
            }
            let (events, problem) = verify(bytes, file: layout.relative(path))
            report.events += events
            if let problem { report.problems.append(problem) }
        }
        return report
    }

    /// The audit files, oldest first by name.
    public static func auditFiles(layout: RootLayout, fileSystem: any FileSystem) throws(FileSystemError) -> [String] {
        guard fileSystem.exists(layout.audit) else { return [] }
        return try fileSystem.list(layout.audit).map(\.name).filter { $0.hasSuffix(".jsonl") && !$0.hasPrefix(".") }.sorted()
    }
}
