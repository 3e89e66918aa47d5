import Testing

@testable import DroprunKit

@Suite struct JSONTests {
    @Test func objectKeysAreSortedByTheirUTF8Bytes() throws {
        // Bytes decide, not Swift's `<` (which compares by Unicode rules).
        let keys = [
            "b", "a", "", "ab", "aB", "B", "é", "z", "ñ", "\u{1F600}", "a\u{0}", "longer-than-fifteen-bytes-key", "longer-than-fifteen-bytes-kez",
        ]
        var members: [String: JSONValue] = [:]
        for (i, key) in keys.enumerated() { members[key] = .int(i) }
        let text = JSONWriter.compact(.object(members))
        let expected = keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        #expect(text == "{" + expected.map { JSONWriter.compact(.string($0)) + ":" + JSONWriter.compact(members[$0]!) }.joined(separator: ",") + "}")
        for a in keys {
            for b in keys {
                #expect(JSONWriter.utf8Precedes(a, b) == a.utf8.lexicographicallyPrecedes(b.utf8), "\(a) vs \(b)")
            }
        }
    }

    @Test(arguments: [
        ("null", JSONValue.null), ("true", .bool(true)), ("false", .bool(false)), ("0", .number(0)), ("-12.5e2", .number(-1250)),
        ("\"a\\n\\u00e9\\ud83d\\ude00\"", .string("a\né😀")), ("[1, [2], {}]", .array([1, [2], [:]])),
        (" {\"a\": {\"b\": [true, null]}} ", .object(["a": ["b": [true, nil]]])),
    ])
    func parsesValidJSON(_ text: String, _ expected: JSONValue) throws {
        #expect(try JSONParser.parse(text) == expected)
    }

    @Test(arguments: [
        "", "{", "[1,]", "{\"a\":1,}", "01", "1.", "-", "tru", "\"abc", "\"\\x\"", "{\"a\" 1}", "[1 2]", "1 2", "{\"a\":1,\"a\":2}",
        "\"\u{01}\"", "\"\\ud800\"", "NaN", "1e999",
    ])
    func refusesInvalidJSON(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(text) }
    }

    @Test func refusesInvalidUTF8() {
        #expect(throws: JSONParseError.self) { try JSONParser.parse([0x22, 0xFF, 0xFE, 0x22]) }
    }

    @Test func deepNestingIsAnErrorNotACrash() throws {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        let error = try #require(throws: JSONParseError.self) { try JSONParser.parse(deep) }
        #expect(error.tooDeep)
        let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(throws: Never.self) { try JSONParser.parse(ok) }
    }

    @Test func errorsNameLineAndColumn() throws {
        let error = try #require(throws: JSONParseError.self) { try JSONParser.parse("{\n  \"a\": tru\n}") }
        #expect(error.line == 2)
        #expect(error.column == 8)
    }

    @Test func canonicalFormSortsKeysAndDoesNotEscapeSlashes() {
        let value: JSONValue = ["b": 1, "a": ["z": "x/y", "c": 2.5], "é": "\u{1}\t\"\\"]
        #expect(JSONWriter.compact(value) == #"{"a":{"c":2.5,"z":"x/y"},"b":1,"é":"\u0001\t\"\\"}"#)
    }

    @Test(arguments: [(1.0, "1"), (-0.5, "-0.5"), (1e21, "1e+21"), (9_007_199_254_740_992, "9007199254740992"), (0.1, "0.1")])
    func numbers(_ n: Double, _ text: String) {
        #expect(JSONWriter.compact(.double(n)) == text)
    }

    @Test func roundTrips() throws {
        let value: JSONValue = ["list": [1, "two", nil, true, ["x": -3.25]], "text": "line\nnext \u{7F} ✓"]
        #expect(try JSONParser.parse(JSONWriter.compactBytes(value)) == value)
        #expect(try JSONParser.parse(JSONWriter.prettyBytes(value)) == value)
    }

    @Test func pathsPrintAsTheContractWritesThem() {
        #expect(JSONPath.root.key("workflow").key("steps").index(1).key("provider").description == "$.workflow.steps[1].provider")
        #expect(JSONPath.root.key("a b").description == #"$["a b"]"#)
    }
}
