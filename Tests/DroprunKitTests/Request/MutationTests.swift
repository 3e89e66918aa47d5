import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

/// A small seeded mutation test of the request decoder and the record reader (issue 11, "Done means").
///
/// Valid requests and records are mutated (bytes, structure, depth, numbers,
/// keys); each mutant must be decoded without a crash into a clear rejection
/// or a valid value that survives writing and reading again. Values at the
/// deepest accepted nesting are carried through echo, an approval and a
/// recovery. The seed is printed; replay a failure with
/// `DROPRUN_MUTATION_SEED=<seed> swift test --filter MutationTests`.
@Suite struct MutationTests {
    /// The seed of this run: `DROPRUN_MUTATION_SEED`, else a fresh one.
    static let seed: UInt64 = {
        if let text = ProcessInfo.processInfo.environment["DROPRUN_MUTATION_SEED"], let seed = UInt64(text) { return seed }
        return UInt64.random(in: 1...UInt64.max)
    }()

    static func announce(_ what: String) {
        print("MutationTests.\(what): seed \(seed) (replay with DROPRUN_MUTATION_SEED=\(seed))")
    }

    // MARK: - Material

    static let nfc = "\u{E9}"
    static let nfd = "e\u{301}"

    /// Valid requests covering every built-in provider that needs no configuration, numbers, keys and references.
    static let requests: [String] = [
        RequestText.make(
            id: "m1",
            steps: [
                #"{"id":"e","provider":"echo","with":{"v":"{{input.v}}","n":9007199254740993,"z":-0}}"#,
                #"{"id":"t","provider":"template","with":{"template":"v={{input.v}} id={{run.id}}"}}"#,
            ], input: #"{"v": [1, 2.5, "x", null, true, {"k": 18446744073709551615}]}"#),
        RequestText.make(
            id: "m2",
            steps: [
                #"{"id":"u","provider":"transform","with":{"value":"{{input.s}}","op":"uppercase"},"retry":{"maxAttempts":3,"backoffMs":10,"multiplier":2}}"#,
                #"{"id":"a","provider":"artifact","with":{"name":"out/\#(nfd).json","json":{"\#(nfc)":1,"\#(nfd)":2}}}"#,
            ], input: #"{"s": "hello \u00e9 \ud83d\ude00"}"#, extra: #""labels": {"team": "a"}, "timeoutSeconds": 30"#),
        RequestText.make(steps: [
            #"{"id":"ok","provider":"approval","with":{"message":"go?","expiresAfterSeconds":60}}"#,
            #"{"id":"l","provider":"llm","with":{"model":"stub-small","prompt":"say {{steps.ok.output.decision}}","maxTokens":5}}"#,
            #"{"id":"f","provider":"fail","with":{"code":"x","message":"y","retryable":true,"times":1}}"#,
            #"{"id":"d","provider":"delay","with":{"ms":0}}"#,
        ]),
        #"{"kind":"approval","runId":"m1","decision":"approve","by":"ada","note":"fine"}"#,
        #"{"kind":"cancel","runId":"m2"}"#,
        deepRequest(id: "deep", shapeSeed: 7),
    ]

    /// A value nested exactly `levels` deep, mixing arrays and objects (some keyed in both Unicode forms), with an exact number at the bottom.
    static func deepValue(levels: Int, rng: inout SeededRandom) -> String {
        let leaves = ["9223372036854775807", "-0", "9007199254740993", "\"\(nfd)\"", "1.5e-300", "123456789012345678901234567890"]
        var text = leaves[Int(rng.next() % UInt64(leaves.count))]
        for _ in 0..<levels {
            switch rng.next() % 3 {
            case 0: text = "[\(text)]"
            case 1: text = "{\"\(nfc)\": \(text), \"\(nfd)\": 0}"
            default: text = "{\"k\": \(text)}"
            }
        }
        return text
    }

    /// The deepest `input.v` a request admits (the request's object and `input` are two of the 64 levels).
    static let deepest = JSONParser.defaultMaxDepth - 2

    static func deepRequest(id: String, shapeSeed: UInt64, then: [String] = []) -> String {
        var rng = SeededRandom(seed: shapeSeed)
        return RequestText.make(
            id: id, steps: [#"{"id":"e","provider":"echo","with":{"v":"{{input.v}}"}}"#] + then,
            input: #"{"v": \#(deepValue(levels: deepest, rng: &rng))}"#)
    }

    // MARK: - Mutations

    static let interestingBytes: [UInt8] =
        Array(#"{}[]",:\ 0123456789eE-+.tfnu/"#.utf8) + [0x00, 0x0A, 0x1F, 0x7F, 0x80, 0xC3, 0xCC, 0xED, 0xEF, 0xF4, 0xFF]
    static let interestingNumbers = [
        "9007199254740993", "-0", "1e400", "-1e400", "18446744073709551616", "-9223372036854775809", "1e-400", "0.0", "-0.0",
        "00", "1.", ".5", "+1", "0x10", "1e", "123456789012345678901234567890123456789",
    ]
    static let interestingStrings = [
        #""\ud800""#, #""\udc00x""#, #""\u0000""#, "\"\(nfc)\"", "\"\(nfd)\"", #""\/""#, #""""#, #""{{input.v}}""#, #""{{steps.nope.output}}""#,
    ]

    /// Applies one to three random mutations to `bytes`.
    static func mutate(_ original: [UInt8], rng: inout SeededRandom) -> [UInt8] {
        var bytes = original
        for _ in 0..<(1 + Int(rng.next() % 3)) {
            guard !bytes.isEmpty else { return Array("{".utf8) }
            let at = Int(rng.next() % UInt64(bytes.count))
            switch rng.next() % 13 {
            case 0: bytes[at] = UInt8(truncatingIfNeeded: rng.next())
            case 1: bytes.insert(interestingBytes[Int(rng.next() % UInt64(interestingBytes.count))], at: at)
            case 2: bytes.removeSubrange(at..<min(bytes.count, at + 1 + Int(rng.next() % 8)))
            case 3:
                let end = min(bytes.count, at + 1 + Int(rng.next() % 16))
                bytes.insert(contentsOf: bytes[at..<end], at: end)
            case 4: bytes.removeSubrange(at...)
            case 5: bytes = replaceNumber(bytes, with: interestingNumbers[Int(rng.next() % UInt64(interestingNumbers.count))], rng: &rng)
            case 6: bytes = wrapInput(bytes, levels: 1 + Int(rng.next() % 70))
            case 7: bytes = insertAfterFirstBrace(bytes, #""id":"dup","#)
            case 8: bytes = insertAfterFirstBrace(bytes, "\"\(nfc)\":1,\"\(nfd)\":2,")
            case 9: bytes = [0xEF, 0xBB, 0xBF] + bytes
            case 10: bytes = replaceString(bytes, with: interestingStrings[Int(rng.next() % UInt64(interestingStrings.count))], rng: &rng)
            case 11:
                let other = Int(rng.next() % UInt64(bytes.count))
                bytes.swapAt(at, other)
            default: bytes = insertAfterFirstBrace(bytes, #""input":{},"#)
            }
        }
        return bytes
    }

    /// Replaces the digits of a random number token.
    static func replaceNumber(_ bytes: [UInt8], with number: String, rng: inout SeededRandom) -> [UInt8] {
        let starts = bytes.indices.filter { i in
            (bytes[i] >= 0x30 && bytes[i] <= 0x39 || bytes[i] == UInt8(ascii: "-")) && (i == 0 || [0x3A, 0x2C, 0x5B, 0x20].contains(bytes[i - 1]))
        }
        guard !starts.isEmpty else { return bytes }
        let start = starts[Int(rng.next() % UInt64(starts.count))]
        var end = start + 1
        while end < bytes.count, Array("0123456789.eE+-".utf8).contains(bytes[end]) { end += 1 }
        return Array(bytes[..<start]) + Array(number.utf8) + Array(bytes[end...])
    }

    /// Replaces a random string token (quote to quote, escapes ignored) with `string`.
    static func replaceString(_ bytes: [UInt8], with string: String, rng: inout SeededRandom) -> [UInt8] {
        let quotes = bytes.indices.filter { bytes[$0] == UInt8(ascii: "\"") }
        guard quotes.count >= 2 else { return bytes }
        let pair = Int(rng.next() % UInt64(quotes.count / 2)) * 2
        return Array(bytes[..<quotes[pair]]) + Array(string.utf8) + Array(bytes[(quotes[pair + 1] + 1)...])
    }

    /// Nests the value after `"input": ` (or the whole document) `levels` arrays deeper, around the depth limit.
    static func wrapInput(_ bytes: [UInt8], levels: Int) -> [UInt8] {
        let marker = Array(#""input": "#.utf8)
        guard let at = bytes.indices.first(where: { bytes[$0...].starts(with: marker) }).map({ $0 + marker.count }),
            let value = try? JSONParser.parse(valuePrefix(bytes, from: at), maxDepth: 10_000)
        else { return Array(repeating: UInt8(ascii: "["), count: levels) + bytes + Array(repeating: UInt8(ascii: "]"), count: levels) }
        let text = String(repeating: "[", count: levels) + JSONWriter.compact(value) + String(repeating: "]", count: levels)
        let length = valuePrefix(bytes, from: at).count
        return Array(bytes[..<at]) + Array(text.utf8) + Array(bytes[(at + length)...])
    }

    /// The bytes of the JSON value that starts at `from` (by bracket counting; good enough for the texts above).
    static func valuePrefix(_ bytes: [UInt8], from: Int) -> [UInt8] {
        var depth = 0
        var inString = false
        var i = from
        while i < bytes.count {
            let b = bytes[i]
            if inString {
                if b == UInt8(ascii: "\\") { i += 1 } else if b == UInt8(ascii: "\"") { inString = false }
            } else if b == UInt8(ascii: "\"") {
                inString = true
            } else if b == UInt8(ascii: "{") || b == UInt8(ascii: "[") {
                depth += 1
            } else if b == UInt8(ascii: "}") || b == UInt8(ascii: "]") {
                depth -= 1
                if depth == 0 { return Array(bytes[from...i]) }
            } else if depth == 0 && (b == UInt8(ascii: ",") || b == UInt8(ascii: "}")) {
                return Array(bytes[from..<i])
            }
            i += 1
        }
        return Array(bytes[from...])
    }

    static func insertAfterFirstBrace(_ bytes: [UInt8], _ text: String) -> [UInt8] {
        guard let brace = bytes.firstIndex(of: UInt8(ascii: "{")) else { return bytes }
        return Array(bytes[...brace]) + Array(text.utf8) + Array(bytes[(brace + 1)...])
    }

    // MARK: - Oracles

    /// A parsed value is canonical after one write: writing, reading and writing again gives the same bytes and an equal value.
    static func checkRoundTrip(_ value: JSONValue, maxDepth: Int, context: String) {
        let written = JSONWriter.compactBytes(value)
        guard let again = try? JSONParser.parse(written, maxDepth: maxDepth) else {
            Issue.record("\(context): what the writer wrote does not parse back: \(String(decoding: written.prefix(200), as: UTF8.self))")
            return
        }
        #expect(again == value, "\(context): the value changed through the writer")
        #expect(JSONWriter.compactBytes(again) == written, "\(context): the canonical form is not stable")
        #expect(JSONWriter.prettyBytes(again).count >= written.count, "\(context)")
    }

    // MARK: - Tests

    @Test func mutatedRequestsAreRejectedClearlyOrDecoded() {
        Self.announce("requests")
        var rng = SeededRandom(seed: Self.seed)
        let decoder = RequestDecoder(configuration: Configuration(), registry: .builtIn)
        var counts: [String: Int] = [:]
        for n in 0..<3_000 {
            let base = Self.requests[n % Self.requests.count]
            let bytes = Self.mutate(Array(base.utf8), rng: &rng)
            let context = "seed \(Self.seed) case \(n): \(String(decoding: bytes.prefix(300), as: UTF8.self))"
            let parsed = Result { () throws(JSONParseError) in try JSONParser.parse(bytes) }
            switch decoder.decode(bytes, fileName: "case-\(n).json") {
            case .success(let drop):
                guard case .success(let json) = parsed else {
                    Issue.record("\(context): decoded although the parser refuses it")
                    continue
                }
                Self.checkRoundTrip(json, maxDepth: JSONParser.defaultMaxDepth, context: context)
                if case .run(let request, let runId) = drop {
                    #expect(RunID.isValid(runId), "\(context)")
                    #expect(!request.workflow.steps.isEmpty, "\(context)")
                }
                counts["accepted", default: 0] += 1
            case .failure(let rejection):
                #expect(!rejection.issues.isEmpty, "\(context): a rejection without a reason")
                for issue in rejection.issues { #expect(!issue.message.isEmpty, "\(context)") }
                if case .failure = parsed {
                    #expect(rejection.reason == .invalidJSON, "\(context): not JSON, yet rejected as \(rejection.reason)")
                } else {
                    #expect(rejection.reason != .invalidJSON, "\(context): JSON, yet rejected as invalid_json: \(rejection)")
                }
                counts[rejection.reason.rawValue, default: 0] += 1
            }
        }
        // The mutants reach both sides: some are still valid, most are refused for one reason or another.
        #expect((counts["accepted"] ?? 0) > 100, "seed \(Self.seed): \(counts)")
        #expect((counts["invalid_json"] ?? 0) > 100 && (counts["invalid_request"] ?? 0) > 50, "seed \(Self.seed): \(counts)")
    }

    @Test func mutatedRecordsAreReadOrRefusedClearly() async throws {
        Self.announce("records")
        let root = try TemporaryRoot()
        try root.drop(
            "deep.json", Self.deepRequest(id: "deep", shapeSeed: Self.seed, then: [#"{"id":"ok","provider":"approval","with":{"message":"go?"}}"#]))
        try root.drop("fin.json", Self.requests[0])
        try root.drop("bad.json", RequestText.make(id: "bad", steps: [#"{"id":"f","provider":"fail","with":{"code":"x","message":"y"}}"#]))
        try await root.runOnce()
        let originals = [
            try #require(root.read("outbox/running/deep.json")), try #require(root.read("outbox/results/m1.json")),
            try #require(root.read("outbox/results/bad.json")),
        ]
        for original in originals { #expect((try? RecordReader.record(bytes: Array(original.utf8), path: "x")) != nil) }
        var rng = SeededRandom(seed: Self.seed ^ 0x9E37_79B9_7F4A_7C15)
        var read = 0
        for n in 0..<1_500 {
            var bytes = Array(originals[n % originals.count].utf8)
            if n % 7 == 0 {
                // Deeper around the reader's own limit: the output wrapped in more levels.
                bytes = Self.wrapOutput(bytes, levels: Int(rng.next() % 12))
            } else {
                bytes = Self.mutate(bytes, rng: &rng)
            }
            let context = "seed \(Self.seed) record case \(n)"
            do {
                let record = try RecordReader.record(bytes: bytes, path: "outbox/running/x.json")
                read += 1
                // A record read is one droprun can write again and read back the same.
                let again = try? RecordReader.record(bytes: record.prettyBytes, path: "outbox/running/x.json")
                #expect(again == record, "\(context): the record changed through writing and reading")
            } catch {
                #expect(error.description.hasPrefix("unreadable record at outbox/running/x.json: "), "\(context): \(error)")
                #expect(!error.isNotFound, "\(context)")
            }
        }
        #expect(read > 50, "seed \(Self.seed): only \(read) mutated records were still records")
    }

    /// Wraps the first step output of a record in `levels` more arrays (text surgery on the pretty form).
    static func wrapOutput(_ bytes: [UInt8], levels: Int) -> [UInt8] {
        let marker = Array(#""output": "#.utf8)
        guard let at = bytes.indices.first(where: { bytes[$0...].starts(with: marker) }).map({ $0 + marker.count }) else { return bytes }
        let value = valuePrefix(bytes, from: at)
        return Array(bytes[..<at]) + Array(repeating: UInt8(ascii: "["), count: levels) + value + Array(repeating: UInt8(ascii: "]"), count: levels)
            + Array(bytes[(at + value.count)...])
    }

    /// Values at the deepest accepted nesting, of random shapes, through echo, an approval and a recovery after a crash.
    @Test func theDeepestValuesGoThroughEchoApprovalAndRecovery() async throws {
        Self.announce("deepest")
        var rng = SeededRandom(seed: Self.seed ^ 0xD1B5_4A32_D192_ED03)
        let root = try TemporaryRoot()
        var inputs: [String: JSONValue] = [:]
        for i in 0..<6 {
            let input = "{\"v\": \(Self.deepValue(levels: Self.deepest, rng: &rng))}"
            inputs["ask-\(i)"] = try JSONParser.parse(input)
            try root.drop(
                "ask-\(i).json",
                RequestText.make(
                    id: "ask-\(i)",
                    steps: [
                        #"{"id":"e","provider":"echo","with":{"v":"{{input.v}}"}}"#,
                        #"{"id":"ok","provider":"approval","with":{"message":"go?"}}"#,
                        #"{"id":"d","provider":"delay","with":{"ms":0}}"#,
                        #"{"id":"again","provider":"echo","with":{"v":"{{steps.e.output.v}}"}}"#,
                    ], input: input))
        }
        let first = try await root.runOnce()
        #expect(first.counts[.waiting] == 6, "seed \(Self.seed): \(first.outcomes)")
        for i in 0..<6 { try root.drop("yes-\(i).json", #"{"kind":"approval","runId":"ask-\#(i)","decision":"approve","by":"ada"}"#) }
        // The runner that takes the approvals dies before writing the results (their link fails), as if killed.
        let dying = root.engine(fileSystem: FaultyFileSystem([.init("link", pathContains: "outbox/results/")]))
        _ = try? await Runner(context: dying).runOnce()
        dying.audit.close()
        #expect(root.list("outbox/results").isEmpty, "seed \(Self.seed)")
        var next = root.engine(identity: RunnerIdentity(host: "testhost", pid: 4343))
        next.isProcessAlive = { $0 == 4343 }
        defer { next.audit.close() }
        let recovered = try await Runner(context: next).runOnce()
        #expect(recovered.count(.succeeded) == 6, "seed \(Self.seed): \(recovered.outcomes)")
        #expect(next.warnings.messages.isEmpty, "\(next.warnings.messages)")
        for (runId, input) in inputs {
            let record = try RecordReader.record(at: root.file("outbox/results/\(runId).json"), fileSystem: PosixFileSystem())
            #expect(record.status == .succeeded, "seed \(Self.seed): \(runId)")
            #expect(record.steps.first?.output == ["v": input["v"] ?? .null], "seed \(Self.seed): \(runId) echo")
            #expect(record.output == ["v": input["v"] ?? .null], "seed \(Self.seed): \(runId) carried through the recovery")
        }
    }
}
