import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

/// `droprun report`: the page's sections, escaping, self-containment, the window, the output file, usage errors.
@Suite struct ReportCommandTests {
    static let succeeds = #"{"workflow":{"name":"say","steps":[{"id":"hello","provider":"echo","with":{"a":1}}]}}"#
    static let fails =
        #"{"workflow":{"name":"<img src=x onerror=alert(2)>","steps":[{"id":"check","provider":"fail","with":{"code":"validation_failed","message":"total <script>alert(1)</script> & \"more\""}}]}}"#
    static let retries =
        #"{"workflow":{"name":"flaky","steps":[{"id":"unstable","provider":"fail","with":{"code":"busy","message":"later","retryable":true,"times":1},"retry":{"maxAttempts":3,"backoffMs":200}}]}}"#
    static let waits =
        #"{"workflow":{"name":"release","steps":[{"id":"sign-off","provider":"approval","with":{"message":"Ship <it>?","expiresAfterSeconds":3600}}]}}"#

    /// A root with a succeeded, a failed, a retried and a waiting run, made by `run --once` on a clock that jumps over sleeps.
    static func smallRoot() async throws -> (TemporaryRoot, CLITester) {
        let root = try TemporaryRoot()
        try root.drop("ok-1.json", succeeds)
        try root.drop("bad-1.json", fails)
        try root.drop("flaky-1.json", retries)
        try root.drop("wait-1.json", waits)
        let cli = CLITester(root: root.path, clock: InstantClock(start: Date()))
        _ = await cli.run(["run", "--once"])
        return (root, cli)
    }

    @Test func thePageHasEverySectionForASmallRoot() async throws {
        let (root, cli) = try await Self.smallRoot()
        defer { withExtendedLifetime(root) {} }
        let result = await cli.run(["report", "-o", "-"])
        #expect(result.code == .success, "\(result.stderr)")
        let html = result.stdout
        for section in ["status", "over-time", "durations", "slowest", "failures", "approvals", "timelines"] {
            #expect(html.contains("<section id=\"\(section)\""), "no section \(section)")
        }
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("<code>validation_failed</code>"))
        #expect(html.contains(">wait-1<"), "the waiting run is not listed")
        #expect(html.contains("Ship &lt;it&gt;?"))
        #expect(html.contains("in 59 m") || html.contains("in 1 h"), "the approval's expiry is not said")
        for runId in ["ok-1", "bad-1", "flaky-1"] { #expect(html.contains("Step timeline of run \(runId)")) }
        #expect(!html.contains("Nothing yet"))
    }

    @Test func everyStringFromTheRootIsEscaped() async throws {
        let (root, cli) = try await Self.smallRoot()
        defer { withExtendedLifetime(root) {} }
        let html = await cli.run(["report", "-o", "-"]).stdout
        #expect(!html.contains("<script"))
        #expect(!html.contains("<img"))
        #expect(html.contains("total &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;more&quot;"))
        #expect(html.contains("&lt;img src=x onerror=alert(2)&gt;"))
    }

    @Test func thePageLoadsNothingFromElsewhere() async throws {
        let (root, cli) = try await Self.smallRoot()
        defer { withExtendedLifetime(root) {} }
        let html = await cli.run(["report", "-o", "-"]).stdout
        #expect(!html.lowercased().contains("<script"))
        #expect(!html.contains("http://") && !html.contains("https://"))
        #expect(!html.contains("src=\"") && !html.contains("url(") && !html.contains("@import"))
        let hrefs = html.components(separatedBy: "href=\"").dropFirst()
        #expect(!hrefs.isEmpty)
        #expect(hrefs.allSatisfy { $0.hasPrefix("#") }, "a link leaves the page")
        #expect(html.contains("default-src 'none'"), "no Content-Security-Policy")
        #expect(html.contains("<svg"))
    }

    @Test func anEmptyRootSaysThereIsNothingYet() async throws {
        let root = try TemporaryRoot()
        let result = await CLITester(root: root.path).run(["report", "-o", "-"])
        #expect(result.code == .success)
        #expect(result.stdout.contains("Nothing yet"))
        #expect(!result.stdout.contains("<section id=\"timelines\""))
        #expect(result.stdout.hasSuffix("</html>\n"))
    }

    /// A finished record created `ago` seconds before `now`, as a result file.
    static func writeResult(
        _ root: TemporaryRoot, _ runId: String, createdAgo ago: TimeInterval, now: Date, finishedAgo: TimeInterval? = nil
    ) throws {
        let at = Timestamp.format(now.addingTimeInterval(-ago))
        let end = Timestamp.format(now.addingTimeInterval(-(finishedAgo ?? ago)))
        try root.write(
            "outbox/results/\(runId).json",
            """
            {"runId": "\(runId)", "status": "succeeded", "workflow": {"name": "w", "version": "1"}, "createdAt": "\(at)", "startedAt": "\(at)",
             "finishedAt": "\(end)", "steps": [], "request": {"file": "\(runId).json", "sha256": "", "size": 1, "receivedAt": "\(at)"}}
            """)
        try PosixFileSystem().setModified(root.file("outbox/results/\(runId).json"), to: now.addingTimeInterval(-(finishedAgo ?? ago) + 1))
    }

    @Test(arguments: [true, false])
    func sinceKeepsOnlyTheRunsThatFinishedInTheWindowAsStatsDoes(indexed: Bool) async throws {
        let root = try TemporaryRoot()
        let now = Date()
        try Self.writeResult(root, "recent", createdAgo: 3_600, now: now)
        try Self.writeResult(root, "old", createdAgo: 3 * 86_400, now: now)
        // Created before the window, finished in it: in the report, as in stats.
        try Self.writeResult(root, "long", createdAgo: 2 * 86_400, now: now, finishedAgo: 7_200)
        let cli = CLITester(root: root.path, clock: InstantClock(start: now))
        if indexed { #expect(await cli.run(["reindex"]).code == .success) }
        #expect(IndexReader(layout: root.layout, fileSystem: PosixFileSystem()).isBuilt == indexed)
        let day = await cli.run(["report", "-o", "-"]).stdout
        #expect(day.contains(">recent<") && day.contains(">long<") && !day.contains(">old<"))
        #expect(day.contains(indexed ? "read from the history index" : "read from outbox/results/"))
        let week = await cli.run(["report", "--since", "7d", "-o", "-"]).stdout
        #expect(week.contains(">recent<") && week.contains(">old<"))
        let hour = await cli.run(["report", "--since", "30m", "-o", "-"]).stdout
        #expect(hour.contains("Nothing yet"))
    }

    /// A result outside the window is never read: one made unreadable after indexing goes unnoticed, index or not.
    @Test(arguments: [true, false])
    func resultsOutsideTheWindowAreNotRead(indexed: Bool) async throws {
        let root = try TemporaryRoot()
        let now = Date()
        try Self.writeResult(root, "recent", createdAgo: 60, now: now)
        try Self.writeResult(root, "old", createdAgo: 3 * 86_400, now: now)
        let cli = CLITester(root: root.path, clock: InstantClock(start: now))
        if indexed { _ = await cli.run(["reindex"]) }
        try root.write("outbox/results/old.json", "{not json")
        try PosixFileSystem().setModified(root.file("outbox/results/old.json"), to: now.addingTimeInterval(-3 * 86_400))
        let result = await cli.run(["report", "-o", "-"])
        #expect(result.code == .success)
        #expect(result.stderr.isEmpty, "\(result.stderr)")
        #expect(result.stdout.contains(">recent<"))
    }

    @Test func theFileIsWrittenAtomicallyAndReplacedWhole() async throws {
        let (root, cli) = try await Self.smallRoot()
        try root.write("out/report.html", "old page")
        var before = stat()
        #expect(stat(root.file("out/report.html"), &before) == 0)
        let result = await cli.run(["report", "-o", "out/report.html"])
        #expect(result.code == .success, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("wrote out/report.html: 3 finished runs since "))
        let page = try #require(root.read("out/report.html"))
        #expect(page.hasPrefix("<!DOCTYPE html>") && page.hasSuffix("</html>\n"))
        var after = stat()
        #expect(stat(root.file("out/report.html"), &after) == 0)
        // A new file renamed over the old one, not the old one written in place; no temporary file left beside it.
        #expect(after.st_ino != before.st_ino)
        #expect(root.list("out") == ["report.html"])
    }

    @Test func theDefaultFileIsReportHTMLInTheWorkingFolder() async throws {
        let (root, cli) = try await Self.smallRoot()
        #expect(await cli.run(["report"]).code == .success)
        #expect(root.read("report.html")?.contains("<section id=\"timelines\"") == true)
    }

    @Test(arguments: [
        (["report", "--since", "yesterday"], "--since"), (["report", "--runs", "-1"], "--runs"), (["report", "--runs", "many"], "--runs"),
        (["report", "--runs", "501"], "--runs"), (["report", "--bogus"], "--bogus"), (["report", "extra"], "extra"),
        (["report", "-o", ""], "-o"), (["report", "-o"], "-o"),
    ])
    func usageErrorsExit2(arguments: [String], named: String) async throws {
        let root = try TemporaryRoot()
        let result = await CLITester(root: root.path).run(arguments)
        #expect(result.code.rawValue == 2, "\(arguments): \(result.stderr)")
        #expect(result.stderr.contains(named), "\(result.stderr)")
        #expect(!root.exists("report.html"))
    }

    @Test func aFileThatCannotBeWrittenExits1() async throws {
        let root = try TemporaryRoot()
        try FileManager.default.createDirectory(atPath: root.file("folder"), withIntermediateDirectories: true)
        let folder = await CLITester(root: root.path).run(["report", "-o", "folder"])
        #expect(folder.code == .failure)
        #expect(folder.stderr.contains("it is a folder"), "\(folder.stderr)")
        let missing = await CLITester(root: root.path).run(["report", "-o", "no/such/folder/r.html"])
        #expect(missing.code == .failure)
        #expect(missing.stderr.contains("cannot write the report to 'no/such/folder/r.html'"), "\(missing.stderr)")
    }
}
