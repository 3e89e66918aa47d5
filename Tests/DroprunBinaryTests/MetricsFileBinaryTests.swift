import DroprunKit
import DroprunTestSupport
import Foundation
import Testing

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
