import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

/// `droprun audit RUN_ID` reads only the segments that can hold the run's events, and prints what reading all of them would.
@Suite struct AuditRunReadingTests {
    /// 2026-01-01T00:00:00Z: when the in-process runner (on `InstantClock`) runs `hello`.
    let runTime = AuditChainMaker.start
    /// The chain `run --once` writes: `testhost:4242` started at `runTime`.
    let runnerChain = "20260101T000000Z-testhost-4242"

    struct Root {
        let maker: AuditChainMaker
        /// Segments that must not be read, and the one only probed for its first line.
        var untouched: [String] = []
        var probed: String = ""
        /// The segment of another runner that holds an event of `hello`.
        var recovering: String = ""
    }

    func at(_ seconds: Double) -> Date { runTime.addingTimeInterval(seconds) }

    func setModified(_ root: TemporaryRoot, _ name: String, _ date: Date) throws {
        try PosixFileSystem().setModified(root.file("outbox/audit/" + name), to: date)
    }

    /// `hello` run for real; other runners' chains before, during and after it; `hello`'s index line.
    func historyRoot() async throws -> Root {
        let root = try TemporaryRoot()
        try root.write("droprun.json", #"{"durability": "fast"}"#)
        try root.drop("hello.json", echoRequest(id: "hello"))
        #expect(await CLITester(root: root.path).run(["run", "--once"]).code == .success)
        let maker = AuditChainMaker(root: root)
        var result = Root(maker: maker)
        // The runner's own segment looks old (its time is not what finds it): only the index line names it.
        try setModified(root, runnerChain + ".jsonl", at(-40 * 86_400))
        let record = try RunRecord(validating: try #require(root.json("outbox/results/hello.json")))
        let entry = try #require(IndexEntry(record: record, audit: [runnerChain + ".jsonl"]))
        try root.write(
            "outbox/index/\(IndexFiles.day(of: record.finishedAt ?? runTime))~testhost-4242.jsonl", String(decoding: entry.line, as: UTF8.self))

        // A runner of the day before, with several segments, all written before the run.
        let before = maker.log(pid: 1, at: at(-86_400), segmentBytes: 4096)
        try maker.write(before, count: 30, from: at(-86_400), every: 60, runIds: ["old-a", "old-b"])
        for name in maker.segments where name.hasPrefix(AuditChainMaker.chain(pid: 1, at: at(-86_400))) {
            try setModified(root, name, at(-3600))
            result.untouched.append(name)
        }
        // A runner that began the next day.
        let after = AuditChainMaker.chain(pid: 3, at: at(86_400))
        try maker.write(maker.log(pid: 3, at: at(86_400)), count: 3, from: at(86_400), runIds: ["later"])
        result.untouched.append(after + ".jsonl")
        // A runner alive across the run (and across two midnights): its segment 1 ends before the run, segment 2 (from
        // the first event of 2026-01-01) holds an event of `hello`, segment 3 (from 2026-01-02) begins after it.
        let across = maker.log(pid: 2, at: at(-3600))
        try maker.write(across, count: 10, from: at(-3600), every: 1, runIds: ["other"])
        try across.record(.runRecovered, runId: "hello", at: at(0.5), data: ["previousRunner": "gone:1"])
        try maker.write(across, count: 10, from: at(0.6), every: 0.01, runIds: ["other"])
        try maker.write(across, count: 10, from: at(86_400 + 3600), every: 1, runIds: ["other"])
        let chain2 = AuditChainMaker.chain(pid: 2, at: at(-3600))
        let names = maker.segments.filter { $0.hasPrefix(chain2) }
        try #require(names == [chain2 + ".jsonl", chain2 + "~0002.jsonl", chain2 + "~0003.jsonl"], "\(names)")
        try setModified(root, names[0], at(-3590))
        try setModified(root, names[1], at(1))
        try setModified(root, names[2], at(86_400 + 3610))
        result.untouched.append(names[0])
        result.recovering = names[1]
        result.probed = names[2]
        return result
    }

    /// What reading every segment whole gives: `hello`'s lines, by time, then by file name and line.
    func fullScan(_ root: TemporaryRoot, runId: String) -> [String] {
        var events: [(at: String, order: Int, line: String)] = []
        var order = 0
        for name in root.list("outbox/audit") where name.hasSuffix(".jsonl") {
            for line in (root.read("outbox/audit/" + name) ?? "").split(separator: "\n") {
                order += 1
                guard let json = try? JSONParser.parse(String(line)), json["runId"]?.stringValue == runId else { continue }
                events.append((json["at"]?.stringValue ?? "", order, String(line)))
            }
        }
        return events.sorted { $0.at != $1.at ? $0.at < $1.at : $0.order < $1.order }.map(\.line)
    }

    /// Reads of whole segments (more than a first-line probe), by file name.
    func segmentsRead(_ fs: ReadRecordingFileSystem, _ root: TemporaryRoot) -> Set<String> {
        Set(fs.reads.filter { $0.path.hasPrefix(root.layout.audit + "/") && ($0.count ?? .max) > 4096 }.map { Path.name($0.path) })
    }

    @Test func onlyTheIndexedSegmentsAndThoseWrittenWhileTheRunLivedAreRead() async throws {
        let history = try await historyRoot()
        let root = history.maker.root
        let fs = ReadRecordingFileSystem()
        let result = await CLITester(root: root.path).run(["audit", "hello", "--json"], fileSystem: fs)
        #expect(result.code == .success, "\(result.stderr)")
        let expected = fullScan(root, runId: "hello")
        #expect(expected.contains { $0.contains(#""event":"run.recovered""#) })
        #expect(expected.contains { $0.contains(#""event":"run.succeeded""#) })
        #expect(result.stdout.split(separator: "\n").map(String.init) == expected)

        #expect(segmentsRead(fs, root) == [runnerChain + ".jsonl", history.recovering])
        for name in history.untouched {
            #expect(!fs.reads.contains { Path.name($0.path) == name }, "\(name) was read")
        }
        let probes = fs.reads.filter { Path.name($0.path) == history.probed }
        #expect(probes == [ReadRecordingFileSystem.Read(path: root.file("outbox/audit/" + history.probed), offset: 0, count: 4096)])

        // The text form shows the same events.
        let text = await CLITester(root: root.path).run(["audit", "hello"])
        #expect(text.stdout.split(separator: "\n").count == expected.count)
        #expect(text.stdout.contains("run.recovered") && text.stdout.contains("previousRunner=gone:1"), "\(text.stdout)")
    }

    /// The line is looked for in the finishing runner's index file first, then in the day's others (a rebuild's).
    @Test func anIndexLineInAnotherWritersFileIsFound() async throws {
        let history = try await historyRoot()
        let root = history.maker.root
        try FileManager.default.moveItem(
            atPath: root.file("outbox/index/2026-01-01~testhost-4242.jsonl"), toPath: root.file("outbox/index/2026-01-01~reindex-x-1.jsonl"))
        let fs = ReadRecordingFileSystem()
        let result = await CLITester(root: root.path).run(["audit", "hello", "--json"], fileSystem: fs)
        #expect(result.stdout.split(separator: "\n").map(String.init) == fullScan(root, runId: "hello"))
        #expect(segmentsRead(fs, root) == [runnerChain + ".jsonl", history.recovering])
    }

    @Test func withoutItsIndexLineTheRunnersSegmentIsFoundByItsTime() async throws {
        let history = try await historyRoot()
        let root = history.maker.root
        try FileManager.default.removeItem(atPath: root.file("outbox/index"))
        try setModified(root, runnerChain + ".jsonl", at(30))
        let fs = ReadRecordingFileSystem()
        let result = await CLITester(root: root.path).run(["audit", "hello", "--json"], fileSystem: fs)
        #expect(result.stdout.split(separator: "\n").map(String.init) == fullScan(root, runId: "hello"))
        #expect(segmentsRead(fs, root) == [runnerChain + ".jsonl", history.recovering])
    }

    @Test func aRunWithoutARecordIsLookedForInEverySegment() async throws {
        let history = try await historyRoot()
        let root = history.maker.root
        try FileManager.default.removeItem(atPath: root.file("outbox/results/hello.json"))
        try FileManager.default.removeItem(atPath: root.file("outbox/requests/hello.json"))
        let fs = ReadRecordingFileSystem()
        let result = await CLITester(root: root.path).run(["audit", "hello", "--json"], fileSystem: fs)
        #expect(result.stdout.split(separator: "\n").map(String.init) == fullScan(root, runId: "hello"))
        #expect(segmentsRead(fs, root) == Set(history.maker.segments))
    }

    @Test func aLiveRunIsReadUpToNow() async throws {
        let history = try await historyRoot()
        let root = history.maker.root
        // The result back as a live record: the run is unfinished, so its window runs to the clock's now (the next day).
        var record = try #require(root.json("outbox/results/hello.json"))
        record = try #require(Self.unfinished(record))
        try root.write("outbox/running/hello.json", JSONWriter.pretty(record))
        try FileManager.default.removeItem(atPath: root.file("outbox/results/hello.json"))
        // Its runner's segment is being written: modified now.
        try setModified(root, runnerChain + ".jsonl", at(86_400 + 3620))
        let fs = ReadRecordingFileSystem()
        let cli = CLITester(root: root.path, clock: InstantClock(start: at(86_400 + 3620)))
        let result = await cli.run(["audit", "hello", "--json"], fileSystem: fs)
        #expect(result.code == .success, "\(result.stderr)")
        #expect(result.stdout.split(separator: "\n").map(String.init) == fullScan(root, runId: "hello"))
        // Every segment written while the run lived, the runner's that began the day after included.
        let later = AuditChainMaker.chain(pid: 3, at: at(86_400)) + ".jsonl"
        #expect(segmentsRead(fs, root) == [runnerChain + ".jsonl", history.recovering, history.probed, later])
    }

    /// A record as it was while running: no finish.
    static func unfinished(_ record: JSONValue) -> JSONValue? {
        guard case .object(var members) = record else { return nil }
        members["status"] = "running"
        members["finishedAt"] = .null
        members["durationMs"] = .null
        return .object(members)
    }

    /// `audit.segmentBytes` in droprun.json cuts a runner's chain; every run's events are still found, and the chain verifies.
    @Test(arguments: ["fast", "strict"])
    func theConfiguredSegmentSizeCutsTheRunnersChain(durability: String) async throws {
        let root = try TemporaryRoot()
        try root.write("droprun.json", #"{"durability": "\#(durability)", "audit": {"segmentBytes": 4096}}"#)
        for i in 0..<6 { try root.drop("seg-\(i).json", echoRequest(id: "seg-\(i)")) }
        let cli = CLITester(root: root.path)
        #expect(await cli.run(["run", "--once"]).code == .success)
        let segments = root.list("outbox/audit").filter { $0.hasSuffix(".jsonl") }
        #expect(segments.count >= 2, "\(segments)")
        #expect(segments.contains(runnerChain + "~0002.jsonl"), "\(segments)")
        let verify = await cli.run(["audit", "verify"])
        #expect(verify.code == .success, "\(verify.stdout)")
        #expect(verify.stdout.contains("in 1 chain (\(segments.count) segments)"), "\(verify.stdout)")
        for i in 0..<6 {
            let audit = await cli.run(["audit", "seg-\(i)", "--json"])
            #expect(audit.stdout.split(separator: "\n").map(String.init) == fullScan(root, runId: "seg-\(i)"))
            #expect(audit.stdout.contains(#""event":"run.succeeded""#), "seg-\(i)")
        }
    }

    @Test func theLineReaderCarriesAPartialLineAcrossChunksAndFindsEveryMatch() throws {
        let root = try TemporaryRoot()
        var text = ""
        for i in 0..<200 { text += #"{"i":\#(i),"runId":"\#(i % 7 == 0 ? "x" : "y\(i)")","pad":"\#(String(repeating: "p", count: i % 50))"}"# + "\n" }
        try root.write("lines.jsonl", text + "torn")
        for chunk in [1, 7, 64, 1 << 20] {
            let reader = AuditLineReader(fileSystem: PosixFileSystem(), chunkBytes: chunk)
            var all: [String] = []
            let torn = try reader.read(root.file("lines.jsonl")) { line in
                all.append(String(decoding: line.bytes, as: UTF8.self))
                #expect(line.number == all.count)
                return true
            }
            #expect(torn == 4, "chunk \(chunk)")
            #expect(all == text.split(separator: "\n").map(String.init), "chunk \(chunk)")
            var matched: [String] = []
            try reader.read(root.file("lines.jsonl"), needles: [Array(#""runId":"x""#.utf8), Array(#""i":14,"#.utf8)]) { line in
                matched.append(String(decoding: line.bytes, as: UTF8.self))
                return true
            }
            #expect(matched == all.filter { $0.contains(#""runId":"x""#) }, "chunk \(chunk)")
        }
    }
}
