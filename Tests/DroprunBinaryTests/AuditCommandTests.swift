import DroprunKit
import DroprunTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension EndToEndTests {
    /// `droprun audit verify` as a real process finds damage to a chain and names the file and line.
    ///
    /// Every test works on its own fresh root with `"durability": "fast"`.
    @Suite(.serialized) struct AuditCommandTests {
        @Test func auditVerifyFindsAnEditedValue() async throws {
            let (root, file, lines) = try await auditedRoot()
            var edited = lines
            try #require(edited[2].contains("tamper-me"), "line 3 does not name the run, so the edit would change nothing: \(edited[2])")
            edited[2] = edited[2].replacingOccurrences(of: "tamper-me", with: "tamper-ME")
            try writeLines(edited, to: root.file("outbox/audit/" + file))
            try await expectBrokenChain(root, file: file, line: 3)
        }

        @Test func auditVerifyFindsADeletedMiddleLine() async throws {
            let (root, file, lines) = try await auditedRoot()
            var shortened = lines
            shortened.remove(at: 2)
            try writeLines(shortened, to: root.file("outbox/audit/" + file))
            try await expectBrokenChain(root, file: file, line: 3)

            // Deleting the first line is caught too.
            try writeLines(Array(lines.dropFirst()), to: root.file("outbox/audit/" + file))
            try await expectBrokenChain(root, file: file, line: 1)
        }

        @Test func auditVerifyFindsATornLastLineAndNeverGluesIt() async throws {
            let (root, file, lines) = try await auditedRoot()
            let path = root.file("outbox/audit/" + file)
            let torn = lines.joined(separator: "\n") + "\n" + #"{"actor":"x:1","at":"2026-01-01T00:00:00.000Z","event":"run.sta"#
            try Data(torn.utf8).write(to: URL(fileURLWithPath: path))
            try await expectBrokenChain(root, file: file, line: lines.count + 1)

            // A later runner writes its events elsewhere: the torn line stays torn and reported.
            try root.drop("after-tear.json", echoRequest(id: "after-tear"))
            let again = try await droprun(["run", "--once"], root)
            #expect(again.code == 0, "\(again)")
            #expect(text(path) == torn, "the torn chain was changed (an event was glued to the torn line)")
            try await expectBrokenChain(root, file: file, line: lines.count + 1)
            let report = try #require(parse(try await droprun(["audit", "verify", "--json"], root).stdout))
            #expect(report["problems"]?.arrayValue?.count == 1, "only the torn chain is broken: \(report)")
        }
    }
}
