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
    /// The metrics file as the real program writes it on a real root, read by Prometheus's checker where it is installed.
    @Suite(.serialized) struct MetricsFileBinaryTests {
        @Test func runOnceLeavesAMetricsFileThatPromtoolAccepts() async throws {
            let root = try makeRoot()
            try root.drop("a.json", echoRequest(id: "a"))
            try root.drop("b.json", echoRequest(id: "b"))
            try root.drop("bad.json", "[")
            let ran = try await droprun(["run", "--once"], root)
            #expect(ran.code == 1, "a rejected file makes run --once exit 1: \(ran)")
            let text = try #require(root.read("outbox/metrics.prom"), "no outbox/metrics.prom: \(root.list("outbox"))")
            #expect(text.contains(#"droprun_runs_finished_total{status="succeeded",workflow="echo-once"} 2"# + "\n"), "\(text)")
            #expect(text.contains(#"droprun_rejections_total{reason="invalid_json"} 1"# + "\n"), "\(text)")
            #expect(text.contains("droprun_build_info{version=\"\(CLI.version)\"} 1\n"))
            #expect(!ran.stderr.contains("metrics"), "\(ran.stderr)")
            guard Promtool.path != nil else {
                print("note: promtool is not installed (apt-get install prometheus): the file is not checked by it")
                return
            }
            let (code, output) = try await Promtool.check(text)
            #expect(code == 0 && output.isEmpty, "promtool check metrics exited \(code): \(output)\n\(text)")
        }

        /// A real `watch` writes the file as it starts, and a last time when SIGTERM stops it, with the run it served counted.
        @Test func watchWritesTheFileAtStartAndALastTimeOnSIGTERM() async throws {
            let root = try makeRoot()
            // A long interval: the only writes are the first and the last.
            try root.write("droprun.json", #"{ "durability": "fast", "metricsIntervalSeconds": 3600 }"#)
            let watcher = try BuiltBinary.start(["watch", "--poll-interval-ms", "50"], root: root.path)
            var deadline = Date().addingTimeInterval(10)
            while Date() < deadline, !root.exists("outbox/metrics.prom") { try await Task.sleep(for: .milliseconds(20)) }
            let first = try #require(root.read("outbox/metrics.prom"), "watch wrote no metrics file at start")
            #expect(first.contains("droprun_runs_finished_total{") == false, "\(first)")
            try root.write("inbox/.served.json.tmp", echoRequest(id: "served"))
            #expect(rename(root.file("inbox/.served.json.tmp"), root.file("inbox/served.json")) == 0)
            deadline = Date().addingTimeInterval(10)
            while Date() < deadline, !root.exists("outbox/results/served.json") { try await Task.sleep(for: .milliseconds(20)) }
            #expect(root.read("outbox/metrics.prom") == first, "no write between start and stop with an hour's interval")
            kill(watcher.processIdentifier, SIGTERM)
            let result = try await waitFor(watcher, timeout: 15)
            #expect(result.code == 0, "\(result.stdout) \(result.stderr)")
            let last = try #require(root.read("outbox/metrics.prom"))
            #expect(last.contains(#"droprun_runs_finished_total{status="succeeded",workflow="echo-once"} 1"# + "\n"), "\(last)")
            #expect(root.list("outbox").filter { $0.hasPrefix(".") } == [], "\(root.list("outbox"))")
        }

        @Test func metricsFileNullWritesNoFileAndAnUnwritablePathIsOneWarning() async throws {
            let root = try makeRoot()
            try root.write("droprun.json", #"{ "durability": "fast", "metricsFile": null }"#)
            try root.drop("a.json", echoRequest(id: "a"))
            let off = try await droprun(["run", "--once"], root)
            #expect(off.code == 0, "\(off)")
            #expect(!root.exists("outbox/metrics.prom"))

            try root.write("droprun.json", #"{ "durability": "fast", "metricsFile": "/proc/droprun-metrics.prom" }"#)
            try root.drop("b.json", echoRequest(id: "b"))
            let failed = try await droprun(["run", "--once"], root)
            #expect(failed.code == 0, "a metrics file that cannot be written never fails a run: \(failed)")
            let warnings = failed.stderr.split(separator: "\n").filter { $0.contains("cannot write the metrics file /proc/droprun-metrics.prom") }
            #expect(warnings.count == 1, "\(failed.stderr)")
            #expect(root.exists("outbox/results/b.json"))
        }
    }
}
