import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

/// `droprun.json` read again under a running `watch`: what a change, a broken file, a touch or SIGHUP lead to.
@Suite struct ConfigurationWatchTests {
    /// A root whose `droprun.json` is `text`, a watch of it from now on, and the configuration a runner starts with.
    func watching(_ text: String, overrides: ConfigurationOverrides = ConfigurationOverrides()) throws -> (
        TemporaryRoot, ConfigurationWatch, Configuration
    ) {
        let root = try TemporaryRoot()
        try root.write("droprun.json", text)
        let running = overrides.applied(to: try Configuration.load(root: root.path, fileSystem: PosixFileSystem()))
        return (root, ConfigurationWatch(root: root.path, fileSystem: PosixFileSystem(), overrides: overrides), running)
    }

    @Test func aValidChangeIsReloadedAndSaysWhatChanged() throws {
        var (root, watch, running) = try watching(#"{"durability": "fast"}"#)
        #expect(watch.check(running: running) == .unchanged, "nothing changed yet")

        try root.write(
            "droprun.json",
            #"{"durability": "fast", "concurrency": 8, "defaults": {"stepTimeoutMs": 1000}, "providers": {"exec": {"commands": {"cat": {"path": "/bin/cat"}}}}}"#
        )
        let outcome = watch.check(running: running)
        guard case .reloaded(let next, let line) = outcome else {
            Issue.record("expected a reload, got \(outcome)")
            return
        }
        #expect(next.concurrency == 8)
        #expect(next.stepTimeoutMs == 1000)
        #expect(next.execCommands["cat"]?.path == "/bin/cat")
        #expect(line.hasPrefix("droprun.json reloaded (modified "), "\(line)")
        #expect(
            line.hasSuffix("): concurrency 4 -> 8, defaults.stepTimeoutMs 60000 -> 1000, providers.exec.commands.cat added"), "\(line)")
        #expect(!line.contains("needs a restart"), "\(line)")
        // Looked at again unchanged: nothing more.
        #expect(watch.check(running: next) == .unchanged)

        // An alias removed and another changed, retention turned on.
        try root.write(
            "droprun.json",
            #"{"durability": "fast", "concurrency": 8, "defaults": {"stepTimeoutMs": 1000}, "retention": {"runsDays": 30}, "providers": {"llm": {"models": {"slow": {"latencyMs": 5}}}}}"#
        )
        let again = watch.check(running: next)
        #expect(
            again.line?.hasSuffix("): retention.runsDays none -> 30, providers.llm.models.slow added, providers.exec.commands.cat removed") == true,
            "\(again)")
    }

    @Test func aTouchOrTheSameContentWrittenAgainSaysNothing() throws {
        var (root, watch, running) = try watching(#"{"durability": "fast", "concurrency": 2}"#)
        // Written again (a new inode, a new time), same settings.
        try root.write("droprun.json", #"{ "concurrency": 2, "durability": "fast" }"#)
        #expect(watch.check(running: running) == .unchanged)
        // Touched.
        var times = [timespec(tv_sec: 1_800_000_000, tv_nsec: 0), timespec(tv_sec: 1_800_000_000, tv_nsec: 0)]
        #expect(utimensat(AT_FDCWD, root.file("droprun.json"), &times, 0) == 0)
        #expect(watch.check(running: running) == .unchanged)
    }

    @Test func anInvalidFileIsRefusedNamingTheKeyAndTheRunningConfigurationStays() throws {
        var (root, watch, running) = try watching(#"{"durability": "fast", "concurrency": 2}"#)
        try root.write("droprun.json", #"{"durability": "fast", "concurrency": "lots", "pollIntervalMs": 5}"#)
        let outcome = watch.check(running: running)
        guard case .refused(let line) = outcome else {
            Issue.record("expected a refusal, got \(outcome)")
            return
        }
        #expect(line.hasPrefix("droprun.json refused (modified "), "\(line)")
        #expect(line.contains("$.concurrency"), "names the key: \(line)")
        #expect(line.contains("$.pollIntervalMs"), "names every key: \(line)")
        #expect(line.hasSuffix("this runner keeps its configuration until the file is fixed"), "\(line)")
        // Said once, not at every look.
        #expect(watch.check(running: running) == .unchanged)
        // Not JSON at all.
        try root.write("droprun.json", #"{"concurrency": "#)
        #expect(watch.check(running: running).line?.contains("not valid JSON") == true)
        // Put back as it was: said to be in use again, though nothing changed.
        try root.write("droprun.json", #"{"durability": "fast", "concurrency": 2}"#)
        let fixed = watch.check(running: running)
        #expect(fixed == .reloaded(running, line: fixed.line ?? ""), "\(fixed)")
        #expect(fixed.line?.hasSuffix("): no change for new runs") == true, "\(fixed)")
    }

    @Test func keysARunningProcessCannotChangeAreKeptAndNamedAsNeedingARestart() throws {
        var (root, watch, running) = try watching(#"{"durability": "fast"}"#)
        try root.write(
            "droprun.json",
            #"{"durability": "strict", "leaseSeconds": 60, "audit": {"segmentBytes": 8192}, "logFormat": "json", "settleMs": 50}"#)
        let outcome = watch.check(running: running)
        guard case .reloaded(let next, let line) = outcome else {
            Issue.record("expected a reload, got \(outcome)")
            return
        }
        #expect(next.durability == .fast)
        #expect(next.leaseSeconds == 30)
        #expect(next.auditSegmentBytes == running.auditSegmentBytes)
        #expect(next.logFormat == .text)
        #expect(next.settleMs == 50, "the rest is taken")
        #expect(
            line.hasSuffix(
                "): settleMs 0 -> 50; needs a restart: durability fast -> strict, leaseSeconds 30 -> 60, audit.segmentBytes 16777216 -> 8192, logFormat text -> json"
            ), "\(line)")
    }

    @Test func theCommandLineStillWinsAfterAReload() throws {
        let flags = ConfigurationOverrides(concurrency: 2, durability: .fast, pollIntervalMs: 50)
        var (root, watch, running) = try watching(#"{"concurrency": 3}"#, overrides: flags)
        #expect(running.concurrency == 2)
        try root.write("droprun.json", #"{"concurrency": 8, "durability": "strict", "pollIntervalMs": 900, "settleMs": 10}"#)
        let outcome = watch.check(running: running)
        guard case .reloaded(let next, let line) = outcome else {
            Issue.record("expected a reload, got \(outcome)")
            return
        }
        #expect(next.concurrency == 2)
        #expect(next.durability == .fast)
        #expect(next.pollIntervalMs == 50)
        #expect(next.settleMs == 10)
        // The file's durability is the default's, as before: only the keys the file changed are said to be overruled.
        #expect(!line.contains("needs a restart"), "the flag, not the file, sets durability: \(line)")
        #expect(line.hasSuffix("): settleMs 0 -> 10; the command line wins: --concurrency 2, --poll-interval-ms 50"), "\(line)")
        // A change elsewhere does not repeat what the command line keeps.
        try root.write("droprun.json", #"{"concurrency": 8, "durability": "strict", "pollIntervalMs": 900, "settleMs": 20}"#)
        #expect(watch.check(running: next).line?.hasSuffix("): settleMs 10 -> 20") == true)
    }

    @Test func aSignalReadsTheFileAndAnswersEvenWhenNothingChanged() throws {
        var (root, watch, running) = try watching(#"{"durability": "fast"}"#)
        let unchanged = watch.check(.signal, running: running)
        #expect(unchanged == .reloaded(running, line: "droprun.json reloaded on SIGHUP: no change for new runs"))
        try root.write("droprun.json", #"{"durability": "fast", "concurrency": 1}"#)
        let outcome = watch.check(.signal, running: running)
        #expect(outcome.line == "droprun.json reloaded on SIGHUP: concurrency 4 -> 1", "\(outcome)")
        // The housekeeping look that follows has nothing more to say.
        guard case .reloaded(let next, _) = outcome else { return }
        #expect(watch.check(running: next) == .unchanged)
        try root.write("droprun.json", #"{"durability": 1}"#)
        #expect(watch.check(.signal, running: next).line?.hasPrefix("droprun.json refused on SIGHUP: $.durability") == true)
    }

    @Test func aRemovedFileMeansTheDefaults() throws {
        var (root, watch, running) = try watching(#"{"durability": "fast", "concurrency": 9, "pollIntervalMs": 100}"#)
        try FileManager.default.removeItem(atPath: root.file("droprun.json"))
        let outcome = watch.check(running: running)
        #expect(
            outcome.line
                == "droprun.json reloaded (removed: the defaults apply): concurrency 9 -> 4, pollIntervalMs 100 -> 500; needs a restart: durability fast -> strict",
            "\(outcome)")
    }
}
