import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

/// Issue 11 item 9: numbers and keys are kept exactly, through the parser, the writer, echo, templates and `json` artifacts.
@Suite struct JSONExactnessTests {
    /// Number texts and how droprun writes them back (the same, unless the text had an alternative spelling).
    static let numbers: [(String, String)] = [
        ("9007199254740993", "9007199254740993"),
        ("-9007199254740993", "-9007199254740993"),
        ("9223372036854775807", "9223372036854775807"),
        ("-9223372036854775808", "-9223372036854775808"),
        ("18446744073709551615", "18446744073709551615"),
        ("123456789012345678901234567890", "123456789012345678901234567890"),
        ("-0", "-0"),
        ("-0.0", "-0"),
        ("0", "0"),
        ("1.0", "1"),
        ("1e2", "100"),
        ("2.5", "2.5"),
        ("1e21", "1e+21"),
        ("0.1", "0.1"),
        ("9007199254740992", "9007199254740992"),
    ]

    @Test(arguments: numbers)
    func numbersSurviveParseAndWrite(_ text: String, _ written: String) throws {
        #expect(JSONWriter.compact(try JSONParser.parse(text)) == written)
        #expect(JSONWriter.compact(try JSONParser.parse("[\(text)]")) == "[\(written)]")
    }

    @Test(arguments: numbers)
    func numbersSurviveEchoTemplateAndJSONArtifacts(_ text: String, _ written: String) async throws {
        let root = try TemporaryRoot()
        try root.drop(
            "n.json",
            RequestText.make(
                id: "n",
                steps: [
                    #"{"id":"e","provider":"echo","with":{"n":"{{input.n}}","literal":\#(text)}}"#,
                    #"{"id":"t","provider":"template","with":{"template":"n={{input.n}}"}}"#,
                    #"{"id":"a","provider":"artifact","with":{"name":"n.json","json":{"n":"{{input.n}}"}}}"#,
                ], input: #"{"n": \#(text)}"#))
        let summary = try await root.runOnce()
        #expect(summary.count(.succeeded) == 1, "\(summary.outcomes)")
        let result = try #require(root.read("outbox/results/n.json"))
        #expect(result.contains(#""n": \#(written)"#), "echo output keeps \(text) as \(written)")
        #expect(result.contains(#""literal": \#(written)"#))
        #expect(result.contains(#""text": "n=\#(written)""#), "template text")
        #expect(root.read("artifacts/n/n.json")?.contains(#""n": \#(written)"#) == true, "\(root.read("artifacts/n/n.json") ?? "")")
    }

    @Test func integersAreExactValues() throws {
        #expect(try JSONParser.parse("9007199254740993") != JSONParser.parse("9007199254740992"))
        #expect(try JSONParser.parse("-0") != JSONParser.parse("0"))
        #expect(try JSONParser.parse("1.0") == JSONParser.parse("1"))
        #expect(try JSONParser.parse("9223372036854775807").intValue == Int.max)
        #expect(try JSONParser.parse("18446744073709551615").intValue == nil)
        #expect(try JSONParser.parse("2.5").intValue == nil)
        #expect(try JSONParser.parse("100").numberValue == 100)
        var set: Set<JSONNumber> = [JSONNumber(Int64(5)), JSONNumber(5.0), JSONNumber(-0.0), JSONNumber(0)]
        set.insert(JSONNumber(Int64(0)))
        #expect(set.count == 3, "5 and 5.0 are one number; -0 and 0 two")
    }

    @Test(arguments: ["1e400", "-1e400", "1" + String(repeating: "0", count: 400)])
    func numbersOutsideTheDoubleRangeAreRefused(_ text: String) throws {
        let error = try #require(throws: JSONParseError.self) { try JSONParser.parse(text) }
        #expect(error.message.contains("outside the range of a double"), "\(error)")
    }

    @Test func aByteOrderMarkIsRefusedWithAHint() throws {
        let error = try #require(throws: JSONParseError.self) { try JSONParser.parse([0xEF, 0xBB, 0xBF] + Array("{}".utf8)) }
        #expect(error.message.contains("byte-order mark") && error.message.contains("without a BOM"), "\(error)")
    }

    @Test func loneSurrogatesAreRefused() {
        for text in [#""\ud800""#, #""\udc00""#, #""\ud800\u0041""#] {
            #expect(throws: JSONParseError.self) { try JSONParser.parse(text) }
        }
    }

    // MARK: - Keys

    static let nfc = "\u{E9}"
    static let nfd = "e\u{301}"

    /// JSONTestSuite `y_object_key_nfc_nfd.json` and `y_object_key_nfd_nfc.json`: two keys, not a duplicate.
    @Test func keysInNFCAndNFDAreTwoKeys() throws {
        let text = "{\"\(Self.nfc)\":1,\"\(Self.nfd)\":2}"
        let value = try JSONParser.parse(text)
        #expect(value.objectValue?.count == 2)
        #expect(value[Self.nfc] == 1 && value[Self.nfd] == 2)
        #expect(JSONWriter.compact(value) == "{\"\(Self.nfd)\":2,\"\(Self.nfc)\":1}", "sorted by bytes: 'e' (65) before 0xC3")
        #expect(try JSONParser.parse(JSONWriter.compactBytes(value)) == value)
        #expect(value != (try JSONParser.parse("{\"\(Self.nfc)\":1,\"\(Self.nfc)x\":2}")))
        // A real duplicate is still one.
        #expect(throws: JSONParseError.self) { try JSONParser.parse("{\"\(Self.nfd)\":1,\"\(Self.nfd)\":2}") }
    }

    /// The canonical form (and so the audit hash) of ordinary data is what it was: sorted by bytes, numbers as before.
    @Test func theCanonicalFormOfOrdinaryDataIsUnchanged() throws {
        let text = #"{"a":{"c":2.5,"z":"x/y"},"b":1,"big":1e+300,"list":[0,-1,1.5e-07,9007199254740992],"é":"\u0001"}"#
        #expect(JSONWriter.compact(try JSONParser.parse(text)) == text)
        #expect(SHA256.hex(JSONWriter.compactBytes(try JSONParser.parse(text))) == SHA256.hex(Array(text.utf8)))
    }

    @Test func keysInNFCAndNFDSurviveEchoAndArtifacts() async throws {
        let root = try TemporaryRoot()
        let object = "{\"\(Self.nfc)\":1,\"\(Self.nfd)\":2}"
        try root.drop(
            "k.json",
            RequestText.make(
                id: "k",
                steps: [
                    #"{"id":"e","provider":"echo","with":{"v":"{{input.v}}","w":\#(object)}}"#,
                    #"{"id":"a","provider":"artifact","with":{"name":"k.json","json":"{{input.v}}"}}"#,
                    #"{"id":"b","provider":"artifact","with":{"name":"\#(Self.nfc).txt","content":"one"}}"#,
                    #"{"id":"c","provider":"artifact","with":{"name":"\#(Self.nfd).txt","content":"two"}}"#,
                ], input: #"{"v": \#(object)}"#))
        let summary = try await root.runOnce()
        #expect(summary.count(.succeeded) == 1, "two artifact names that differ in their bytes do not clash: \(summary.outcomes)")
        let result = try #require(root.json("outbox/results/k.json"))
        let echoed = try #require(result["steps"]?[0]?["output"])
        #expect(echoed["v"]?.objectValue?.count == 2 && echoed["w"]?.objectValue?.count == 2, "\(echoed)")
        #expect(root.json("artifacts/k/k.json")?.objectValue?.count == 2)
        #expect(root.read("artifacts/k/\(Self.nfc).txt") == "one")
        #expect(root.read("artifacts/k/\(Self.nfd).txt") == "two")
        #expect(result["artifacts"]?.arrayValue?.count == 3)
    }

    /// Top-level `with` keys are a provider's parameters (one Swift dictionary): two forms of one key are refused, not merged.
    @Test func equivalentKeysThatWouldMergeAreRefused() {
        let decoder = RequestDecoder(configuration: Configuration(), registry: .builtIn)
        let text = RequestText.make(steps: [#"{"id":"e","provider":"echo","with":{"\#(Self.nfc)":1,"\#(Self.nfd)":2}}"#])
        guard case .failure(let rejection) = decoder.decode(Array(text.utf8), fileName: "x.json") else {
            Issue.record("merged in silence")
            return
        }
        #expect(
            rejection.issues.contains { $0.path?.description == "$.workflow.steps[0].with" && $0.message.contains("NFC and NFD") }, "\(rejection)")
    }

    @Test func artifactNamesAreCheckedByBytes() {
        #expect(ArtifactName.problem("a/../b") != nil)
        #expect(ArtifactName.problem("a/\u{301}b") == nil, "a combining mark after '/' is still two parts")
        #expect(ArtifactName.problem("x/\u{301}/../y") != nil)
        #expect(ArtifactName.problem(".tmp") != nil)
        #expect(ArtifactName.problem(".x.tmp") != nil)
    }
}
