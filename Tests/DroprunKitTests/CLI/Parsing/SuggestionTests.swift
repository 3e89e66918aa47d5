import Testing

@testable import DroprunKit

@Suite struct SuggestionTests {
    static let commands = ["init", "run", "submit", "validate", "status", "list", "show", "audit", "fixtures"]

    @Test(
        arguments: [
            ("stauts", "status"),
            ("lsit", "list"),
            ("shwo", "show"),
            ("sumbit", "submit"),
            ("valdiate", "validate"),
            ("fixture", "fixtures"),
            ("fixturs", "fixtures"),
            ("int", "init"),
            ("rn", "run"),
            ("STATUS", "status"),
            ("audti", "audit"),
            ("list", "list"),
        ] as [(String, String)])
    func suggestsTheClosestCommand(typed: String, expected: String) {
        #expect(Suggestion.nearest(to: typed, among: Self.commands) == expected)
    }

    @Test(arguments: ["xyzzy", "", "q", "deploy", "zzzzzzzz"])
    func suggestsNothingWhenNothingIsClose(typed: String) {
        #expect(Suggestion.nearest(to: typed, among: Self.commands) == nil)
    }

    @Test func adjacentTranspositionCostsOne() {
        #expect(Suggestion.distance("ab", "ba") == 1)
        #expect(Suggestion.distance("stauts", "status") == 1)
        #expect(Suggestion.distance("lsit", "list") == 1)
    }

    @Test(
        arguments: [
            ("", "", 0),
            ("", "abc", 3),
            ("abc", "", 3),
            ("kitten", "sitting", 3),
            ("flaw", "lawn", 2),
            ("ca", "abc", 3),  // optimal string alignment: no edits inside a transposed pair
            ("abcdef", "abcdef", 0),
        ] as [(String, String, Int)])
    func distances(a: String, b: String, expected: Int) {
        #expect(Suggestion.distance(a, b) == expected)
        #expect(Suggestion.distance(b, a) == expected)
    }

    @Test func tiesGoToTheFirstCandidate() {
        #expect(Suggestion.nearest(to: "bat", among: ["cat", "hat"]) == "cat")
        #expect(Suggestion.nearest(to: "bat", among: ["hat", "cat"]) == "hat")
    }

    @Test func closerCandidateWinsWhateverItsPosition() {
        #expect(Suggestion.nearest(to: "lisst", among: ["lost", "list"]) == "list")
        #expect(Suggestion.nearest(to: "list", among: ["lost", "list"]) == "list")
    }

    @Test func explicitMaximumDistance() {
        #expect(Suggestion.nearest(to: "abcdef", among: ["abcxyz"]) == "abcxyz")
        #expect(Suggestion.nearest(to: "abcdef", among: ["abcxyz"], maxDistance: 2) == nil)
        #expect(Suggestion.nearest(to: "lsit", among: ["list"], maxDistance: 0) == nil)
        #expect(Suggestion.nearest(to: "list", among: ["list"], maxDistance: 0) == "list")
    }

    @Test func neverSuggestsACompleteReplacement() {
        #expect(Suggestion.nearest(to: "ab", among: ["cd"], maxDistance: 10) == nil)
        #expect(Suggestion.nearest(to: "x", among: ["y", "xy"]) == "xy")
    }

    @Test func defaultThresholdGrowsWithTheWord() {
        #expect(Suggestion.defaultMaxDistance(forLength: 1) == 2)
        #expect(Suggestion.defaultMaxDistance(forLength: 5) == 2)
        #expect(Suggestion.defaultMaxDistance(forLength: 6) == 3)
        #expect(Suggestion.defaultMaxDistance(forLength: 12) == 5)
    }

    @Test func noCandidates() {
        #expect(Suggestion.nearest(to: "list", among: []) == nil)
        #expect(Suggestion.nearest(to: "list", among: [""]) == nil)
    }
}
