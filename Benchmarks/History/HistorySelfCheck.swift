import DroprunKit
import Foundation

/// Checks, before a history is generated, that the generator writes what DroprunKit writes and reads.
///
/// - times: `TimeText` against `Timestamp.format`;
/// - records and index lines: a sample run of every kind and timing, read
///   back by DroprunKit (`RecordReader`, `IndexEntry(line:)`) and written
///   again, must give the same bytes;
/// - audit: the events of every kind, written by a real `AuditLog` and by
///   `AuditChainWriter`, must give the same file; and a chain cut into small
///   segments must verify (every line canonical, its hash over itself without
///   it, `prev` the last hash before it, across segments, each segment n ≥ 2
///   opened by an `audit.segment` line naming the one before).
enum HistorySelfCheck {
    static func run(generator: HistoryGenerator, scratch: String) throws {
        try times()
        let fs = PosixFileSystem()
        try? FileManager.default.removeItem(atPath: scratch)
        _ = try fs.makeDirectory(scratch)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        try records(generator)
        try auditLog(generator, scratch: scratch, fs: fs)
        try segments(generator, scratch: scratch)
    }

    static func times() throws {
        var random = SplitMix(state: 13)
        let samples: [Int64] =
            [0, 951_782_400_000, 978_307_200_000, 1_709_164_800_000, 4_102_444_799_999]
            + (0..<20_000).map { _ in
                Int64(random.next() % 4_102_444_800_000)
            }
        for ms in samples where TimeText.string(ms) != Timestamp.format(Date(timeIntervalSince1970: Double(ms) / 1000)) {
            throw BenchError(
                "history self-check: time \(ms) is \(TimeText.string(ms)), DroprunKit writes \(Timestamp.format(Date(timeIntervalSince1970: Double(ms) / 1000)))"
            )
        }
    }

    /// Values for a sample run.
    static func sample(_ plan: HistoryPlan) -> RunValues {
        var v = RunValues()
        v.createdMs = plan.nowMs - 3_600_000
        v.runId = Array(plan.id(7).utf8)
        v.tenant = Array("globex".utf8)
        v.requestSHA = Array(String(repeating: "ab", count: 32).utf8)
        v.requestSize = 377
        v.artifactSHA = Array(String(repeating: "cd", count: 32).utf8)
        v.actor = Array("node1:2345".utf8)
        v.runner = Array("node1-2345-iabcdefgh".utf8)
        v.audit = Array("a.jsonl\",\"a~0002.jsonl".utf8)
        v.controlFile = Array("x.cancel.20261201T000000Z.31000.json".utf8)
        v.controlSHA = Array(String(repeating: "ef", count: 32).utf8)
        return v
    }

    static func records(_ generator: HistoryGenerator) throws {
        let values = sample(generator.plan)
        let id = String(decoding: values.runId, as: UTF8.self)
        for variants in generator.templates {
            for t in variants {
                let label = "\(generator.plan.kinds[t.kind].label)"
                var bytes: [UInt8] = []
                t.result.render(values, into: &bytes)
                let record = try RecordReader.record(bytes: bytes, path: "\(id).json")
                guard record.prettyBytes == bytes, record.runId == id, record.status == t.status else {
                    throw BenchError(
                        "history self-check: the \(label) record does not read back as written:\n\(String(decoding: bytes, as: UTF8.self))")
                }
                bytes = []
                t.index.render(values, into: &bytes)
                guard let entry = IndexEntry(line: bytes.dropLast()), entry.line == bytes, entry.runId == id, entry.audit.count == 2,
                    entry.errorCode == t.errorCode, IndexEntry(record: record, audit: entry.audit)?.line == bytes
                else {
                    throw BenchError("history self-check: the \(label) index line does not read back:\n\(String(decoding: bytes, as: UTF8.self))")
                }
                for template in [t.request, t.manifest, t.control].compactMap({ $0 }) {
                    bytes = []
                    template.render(values, into: &bytes)
                    _ = try RecordReader.parse(bytes)
                }
            }
        }
    }

    /// Every kind's events through a real `AuditLog` and through `AuditChainWriter`, with the sentinels as values: the same bytes.
    static func auditLog(_ generator: HistoryGenerator, scratch: String, fs: PosixFileSystem) throws {
        let real = Path.join(scratch, "real")
        let ours = Path.join(scratch, "ours")
        _ = try fs.makeDirectory(real)
        _ = try fs.makeDirectory(ours)
        let runner = RunnerIdentity(host: "node1", pid: 4242, instance: "iselfchck")
        let log = AuditLog(folder: real, runner: runner, startedAt: ByteTemplate.sentinelDate(0), fileSystem: fs)
        let folder = try FileMaker(ours)
        defer { folder.close() }
        let stem = String(Path.name(log.path).dropLast(6))
        var chain = AuditChainWriter(folder: folder, chainId: stem, actor: runner.actor, segmentBytes: 1 << 30)
        var values = RunValues()
        values.createdMs = ByteTemplate.sentinelMs
        values.requestSize = ByteTemplate.sentinelSize
        for field in ByteTemplate.Field.allCases {
            let token = Array(field.token.utf8)
            switch field {
            case .runId: values.runId = token
            case .tenant: values.tenant = token
            case .requestSHA: values.requestSHA = token
            case .artifactSHA: values.artifactSHA = token
            case .actor: values.actor = token
            case .runner: values.runner = token
            case .audit: values.audit = token
            case .controlFile: values.controlFile = token
            case .controlSHA: values.controlSHA = token
            }
        }
        for variants in generator.templates {
            let t = variants[variants.count / 2]
            for (typed, event) in zip(t.typedEvents, t.events) {
                try log.record(typed.event, runId: "@@RUNID@@", at: ByteTemplate.sentinelDate(typed.offsetMs))
                _ = try chain.append(name: event.name, data: event.data, values: values, atMs: values.createdMs + event.offsetMs, runId: true)
            }
        }
        log.close()
        try chain.close()
        let expected = try fs.readFile(log.path)
        let written = try fs.readFile(Path.join(ours, AuditChainWriter.segmentName(chainId: stem, 1)))
        guard expected == written else {
            throw BenchError(
                "history self-check: audit lines differ from AuditLog's (\(expected.count) against \(written.count) bytes) in \(scratch)")
        }
    }

    /// A chain of sample runs in small segments verifies across them.
    static func segments(_ generator: HistoryGenerator, scratch: String) throws {
        let folderPath = Path.join(scratch, "segments")
        let fs = PosixFileSystem()
        _ = try fs.makeDirectory(folderPath)
        let folder = try FileMaker(folderPath)
        defer { folder.close() }
        let chainId = "20261201T000000Z-node1-2345-iabcdefgh"
        var chain = AuditChainWriter(folder: folder, chainId: chainId, actor: "node1:2345", segmentBytes: 6000)
        var values = sample(generator.plan)
        for n in 0..<40 {
            // Four runs a day for ten days: segments end by size and by day.
            values.createdMs = generator.plan.nowMs - 10 * HistoryPlan.dayMs + Int64(n) * HistoryPlan.dayMs / 4
            let t = generator.templates[n % generator.templates.count][0]
            for event in t.events {
                _ = try chain.append(name: event.name, data: event.data, values: values, atMs: values.createdMs + event.offsetMs, runId: true)
            }
        }
        try chain.close()
        var prev = AuditLog.genesis
        var segment = 1
        var previousName: String?
        while true {
            let name = AuditChainWriter.segmentName(chainId: chainId, segment)
            guard let bytes = try? fs.readFile(Path.join(folderPath, name)) else { break }
            guard bytes.count <= 6000 else { throw BenchError("history self-check: segment \(name) has \(bytes.count) bytes, more than 6000") }
            for (n, line) in bytes.split(separator: 0x0A).enumerated() {
                let json = try RecordReader.parse(Array(line))
                guard JSONWriter.compactBytes(json) == Array(line), case .object(var object) = json,
                    let hash = object.removeValue(forKey: "hash")?.stringValue, object["prev"]?.stringValue == prev,
                    SHA256.hex(JSONWriter.compactBytes(.object(object))) == hash
                else { throw BenchError("history self-check: line \(n + 1) of \(name) breaks the chain") }
                if n == 0 && segment > 1 {
                    guard object["event"]?.stringValue == AuditEventName.auditSegment.rawValue, object["data"]?["segment"]?.intValue == segment,
                        object["data"]?["previous"]?.stringValue == previousName, object["data"]?["chain"]?.stringValue == chainId
                    else { throw BenchError("history self-check: \(name) does not begin with its audit.segment line") }
                }
                prev = hash
            }
            previousName = name
            segment += 1
        }
        guard segment > 10 else { throw BenchError("history self-check: expected more than ten segments, found \(segment - 1)") }
    }
}
