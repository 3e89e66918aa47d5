import DroprunKit
import DroprunTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Usage and error messages of the command line (exit 2 for usage, 1 for an unknown run), in-process.
@Suite struct UsageErrorTests {
    @Test func unknownCommandSuggestsTheNearestOne() async throws {
        let root = try makeRoot()
        for (typo, meant) in [("statsu", "status"), ("lsit", "list"), ("sbumit", "submit")] {
            let result = try await droprun([typo], root)
            #expect(result.code == 2, "\(typo): \(result)")
            #expect(
                result.stderr.contains(typo) && result.stderr.contains("did you mean") && result.stderr.contains(meant), "\(typo): \(result.stderr)")
        }
    }

    @Test func unknownOptionIsAUsageError() async throws {
        let root = try makeRoot()
        let list = try await droprun(["list", "--jsn"], root)
        #expect(list.code == 2)
        #expect(list.stderr.contains("--jsn") && list.stderr.contains("did you mean") && list.stderr.contains("--json"), "\(list.stderr)")
        let run = try await droprun(["run", "--once", "--bogus"], root)
        #expect(run.code == 2 && run.stderr.contains("--bogus"), "\(run.stderr)")
        let global = try await droprun(["--bogus", "list"], root)
        #expect(global.code == 2, "\(global.stderr)")
    }

    @Test(arguments: [["status"], ["show"], ["artifacts"], ["submit"], ["validate"], ["approve"], ["reject"], ["cancel"], ["retry"]])
    func missingArgumentIsAUsageError(_ command: [String]) async throws {
        let root = try makeRoot()
        let result = try await droprun(command, root)
        #expect(result.code == 2, "\(command): \(result)")
        #expect(result.stderr.contains(command[0]) && !result.stderr.isEmpty, "\(result.stderr)")
    }

    @Test func badOptionValuesAreUsageErrors() async throws {
        let root = try makeRoot()
        for args in [
            ["list", "--limit", "0"], ["list", "--limit", "ten"], ["list", "--status", "done"], ["list", "--limit"],
            ["run", "--once", "--durability", "sometimes"], ["run", "--once", "--concurrency", "0"],
        ] {
            let result = try await droprun(args, root)
            #expect(result.code == 2, "\(args): \(result)")
        }
    }

    @Test(arguments: [["status"], ["show"], ["artifacts"], ["audit"], ["approve"], ["reject"], ["cancel"], ["retry"]])
    func readingAnUnknownRunFails(_ command: [String]) async throws {
        let root = try makeRoot()
        let result = try await droprun(command + ["no-such-run"], root)
        #expect(result.code == 1, "\(command): \(result)")
        #expect(result.stderr.contains("no-such-run"), "\(result.stderr)")
    }

    @Test(arguments: [
        ["run", "--once"], ["submit", "x.json"], ["validate", "x.json"], ["status", "r"], ["show", "r"], ["list"],
        ["artifacts", "r"], ["audit"], ["audit", "r"], ["audit", "verify"], ["watch"], ["approve", "r"], ["reject", "r"],
        ["cancel", "r"], ["retry", "r"], ["fixtures", "verify"], ["providers"],
    ])
    func badRootIsAUsageError(_ command: [String]) async throws {
        let base = try TemporaryRoot(initialized: false)
        try base.write("x.json", echoRequest(id: "r"))
        try base.write("plain-file", "not a folder")
        for root in [base.file("missing"), base.file("plain-file")] {
            let result = await CLITester(root: base.path).run(["--root", root] + command)
            #expect(result.code == .usage, "\(command) with --root \(root): \(result.code) \(result.stdout) \(result.stderr)")
            #expect(result.stderr.contains(root), "the message does not name the root: \(result.stderr)")
        }
        let viaEnvironment = await CLITester(root: base.path, variables: ["DROPRUN_ROOT": base.file("missing")]).run(command)
        #expect(viaEnvironment.code == .usage, "\(command) with a bad DROPRUN_ROOT: \(viaEnvironment)")
        #expect(!FileManager.default.fileExists(atPath: base.file("missing")), "\(command) created the missing root")
    }

    @Test(arguments: [["run", "--once"], ["submit", "src.json"], ["validate", "src.json"]])
    func invalidConfigurationIsAUsageErrorNamingTheKey(_ command: [String]) async throws {
        let cases: [(config: String, key: String)] = [
            (#"{ "durability": "fast", "concurrancy": 2 }"#, "concurrancy"),
            (#"{ "durability": "fast", "defaults": { "stepTimeoutMS": 5 } }"#, "stepTimeoutMS"),
            (#"{ "durability": "fast", "concurrency": "4" }"#, "concurrency"),
            (#"{ "durability": 1 }"#, "durability"),
            (#"{ "durability": "fast", "defaults": { "runTimeoutSeconds": "soon" } }"#, "runTimeoutSeconds"),
            (#"{ "durability": "fast", "maxRequestBytes": 1.5 }"#, "maxRequestBytes"),
            (#"{ "durability": "fast", "providers": { "llm": { "models": { "m": { "latencyMs": "slow" } } } } }"#, "latencyMs"),
        ]
        for (config, key) in cases {
            let root = try makeRoot()
            try root.write("droprun.json", config)
            try root.write("src.json", echoRequest(id: "cfg"))
            try root.drop("waiting.json", echoRequest(id: "waiting"))
            let result = try await droprun(command, root)
            #expect(result.code == 2, "\(command) with \(config): \(result)")
            #expect(result.stderr.contains(key), "the message does not name '\(key)': \(result.stderr)")
            #expect(root.exists("inbox/waiting.json") && !root.exists("inbox/cfg.json"), "\(command) acted despite a bad configuration")
        }
    }

    @Test func runWithoutOnceIsAUsageError() async throws {
        let root = try makeRoot()
        try root.drop("waiting.json", echoRequest(id: "waiting"))
        let result = try await droprun(["run"], root)
        #expect(result.code == 2, "\(result)")
        #expect(result.stderr.contains("--once"), "\(result.stderr)")
        #expect(root.exists("inbox/waiting.json"), "run without --once took the request")
    }
}
