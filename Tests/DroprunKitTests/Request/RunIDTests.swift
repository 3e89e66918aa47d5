import DroprunTestSupport
import Testing

@testable import DroprunKit

/// The run-id rule `^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$` and the file-name derivation.
@Suite struct RunIDTests {
    @Test(
        arguments: [
            ("a", true),
            ("Z", true),
            ("0", true),
            ("9lives", true),
            ("invoice-2026-0001", true),
            ("a.b_c-d", true),
            ("a..b", true),
            ("a.", true),
            ("a-", true),
            ("a_", true),
            ("A" + String(repeating: "-", count: 127), true),
            (String(repeating: "a", count: 128), true),
            (String(repeating: "a", count: 129), false),
            (String(repeating: "9", count: 200), false),
            ("", false),
            (".", false),
            ("..", false),
            (".a", false),
            (".hidden", false),
            ("-a", false),
            ("_a", false),
            ("/a", false),
            ("a/b", false),
            ("a/..", false),
            ("../etc", false),
            ("a b", false),
            (" a", false),
            ("a ", false),
            ("a\tb", false),
            ("a\n", false),
            ("a\r\n", false),
            ("\na", false),
            ("a\u{0}b", false),
            ("a\\b", false),
            ("a:b", false),
            ("a~2", false),
            ("a*", false),
            ("a?", false),
            ("a+b", false),
            ("a%2F", false),
            ("é", false),
            ("aé", false),
            ("e\u{301}", false),
            ("ａ", false),
            ("a😀", false),
            ("İ", false),
            ("ǅ", false),
            ("٣", false),
        ] as [(String, Bool)])
    func validity(id: String, valid: Bool) {
        #expect(RunID.isValid(id) == valid, "\(id.debugDescription)")
        #expect((RunID.problem(id) == nil) == valid, "\(id.debugDescription)")
        #expect(Self.oracle(id) == valid, "the table itself disagrees with the regex for \(id.debugDescription)")
    }

    /// The contract's regex, matched byte by byte (so no engine's `$`-before-newline or
    /// grapheme rules can blur the comparison).
    static func oracle(_ id: String) -> Bool {
        let bytes = Array(id.utf8)
        func alnum(_ b: UInt8) -> Bool {
            (0x30...0x39).contains(b) || (0x41...0x5A).contains(b) || (0x61...0x7A).contains(b)
        }
        guard let first = bytes.first, alnum(first), bytes.count <= 128 else { return false }
        return bytes.dropFirst().allSatisfy { alnum($0) || $0 == 0x2E || $0 == 0x5F || $0 == 0x2D }
    }

    /// Agrees with the regex on many generated ids near the rule's edges.
    @Test func agreesWithTheRegexOnGeneratedIDs() throws {
        let alphabet: [String] = ["a", "Z", "5", ".", "_", "-", "/", " ", "é", "~", "\n", "\u{0}", "😀", ":"]
        let anchored = try Regex("^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$").matchingSemantics(.unicodeScalar)
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 33
        }
        var disagreements: [String] = []
        for _ in 0..<3_000 {
            let length = Int(next() % 6) + (next() % 10 == 0 ? 124 : 0)
            var id = ""
            for _ in 0..<length {
                // Mostly valid characters, so that long valid ids appear too.
                let pick = next() % 4 == 0 ? Int(next() % UInt64(alphabet.count)) : Int(next() % 6)
                id += alphabet[pick]
            }
            let expected = Self.oracle(id)
            if RunID.isValid(id) != expected { disagreements.append(id.debugDescription) }
            // Where the text has no line feed, the regex engine must agree with the byte oracle too.
            if !id.contains("\n") && id.unicodeScalars.count == id.utf8.count {
                let regexSays = (try? anchored.wholeMatch(in: id)) != nil
                if regexSays != expected { disagreements.append("regex: " + id.debugDescription) }
            }
        }
        #expect(disagreements.isEmpty, "\(disagreements.prefix(10))")
    }

    @Test(
        arguments: [
            ("", "cannot be empty"),
            (String(repeating: "a", count: 129), "at most 128 characters, found 129"),
            (".a", "starts with a letter or digit"),
            ("-a", "starts with a letter or digit"),
            ("a/b", "only letters, digits"),
            ("a b", "only letters, digits"),
        ] as [(String, String)])
    func problemSaysWhatIsWrong(id: String, fragment: String) throws {
        let problem = try #require(RunID.problem(id))
        #expect(problem.contains(fragment), "\(problem)")
    }

    @Test(
        arguments: [
            ("x.json", "x"),
            ("invoice-1.json", "invoice-1"),
            ("a.b.json", "a.b"),
            ("a.json.json", "a.json"),
            ("x", "x"),
            ("x.JSON", "x.JSON"),
            ("x.jsonl", "x.jsonl"),
        ] as [(String, String)])
    func fileNameDerivation(fileName: String, runId: String) {
        #expect(RunID.fromFileName(fileName) == runId)
    }

    /// Through the decoder: no `id` → the file name without `.json`; an `id` wins over the name.
    @Test(
        arguments: [
            ("ok-name.json", nil, "ok-name"),
            ("ok-name.json", "given.1", "given.1"),
            ("bad name.json", "fine", "fine"),
            (String(repeating: "b", count: 128) + ".json", nil, String(repeating: "b", count: 128)),
        ] as [(String, String?, String)])
    func decoderTakesRunIDFromIdOrFileName(fileName: String, id: String?, expected: String) throws {
        let text = RequestText.make(id: id, steps: [#"{"id": "s", "provider": "echo"}"#])
        let decoder = RequestDecoder(configuration: Configuration(), registry: .builtIn)
        let drop = try decoder.decode(Array(text.utf8), fileName: fileName).get()
        guard case .run(let request, let runId) = drop else {
            Issue.record("expected a run, got \(drop)")
            return
        }
        #expect(runId == expected)
        #expect(request.id == id)
    }

    @Test(arguments: [
        "bad name.json",
        ".json.json",
        "-lead.json",
        "ünï.json",
        String(repeating: "c", count: 129) + ".json",
    ])
    func badFileNameWithoutIdIsInvalidID(fileName: String) {
        let text = RequestText.make(steps: [#"{"id": "s", "provider": "echo"}"#])
        let decoder = RequestDecoder(configuration: Configuration(), registry: .builtIn)
        guard case .failure(let rejection) = decoder.decode(Array(text.utf8), fileName: fileName) else {
            Issue.record("\(fileName) was accepted")
            return
        }
        #expect(rejection.reason == .invalidID)
        #expect(rejection.issues.count == 1)
        #expect(rejection.issues.first?.path == nil)
        #expect(rejection.issues.first?.message.contains(fileName) == true, "\(rejection)")
        #expect(rejection.issues.first?.message.contains("\"id\"") == true, "should say how to fix it: \(rejection)")
    }

    @Test(arguments: ["../x", "a/b", "", ".x", String(repeating: "d", count: 129), "a b", "é"])
    func badExplicitIdIsInvalidIDAtDollarId(id: String) {
        let text = #"{"id": \#(JSONWriter.compact(.string(id))), "workflow": {"name": "w", "steps": [{"id": "s", "provider": "echo"}]}}"#
        let decoder = RequestDecoder(configuration: Configuration(), registry: .builtIn)
        guard case .failure(let rejection) = decoder.decode(Array(text.utf8), fileName: "fine.json") else {
            Issue.record("\(id.debugDescription) was accepted")
            return
        }
        #expect(rejection.reason == .invalidID)
        #expect(rejection.issues.map { $0.path?.description } == ["$.id"])
    }
}
