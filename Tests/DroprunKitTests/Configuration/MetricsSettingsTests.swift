import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

/// `metricsFile` and `metricsIntervalSeconds` in `droprun.json`.
@Suite struct MetricsSettingsTests {
    @Test func theDefaultsAreOutboxMetricsPromEvery15Seconds() throws {
        let c = try ConfigurationTests.parse("{}")
        #expect(c.metrics.file == "outbox/metrics.prom")
        #expect(c.metrics.intervalSeconds == 15)
    }

    @Test(arguments: [
        (#"{"metricsFile": null}"#, nil as String?, 15),
        (#"{"metricsFile": "node/droprun.prom", "metricsIntervalSeconds": 60}"#, "node/droprun.prom", 60),
        (
            #"{"metricsFile": "/var/lib/prometheus/node-exporter/droprun.prom", "metricsIntervalSeconds": 1}"#,
            "/var/lib/prometheus/node-exporter/droprun.prom", 1
        ),
    ])
    func metricsFileAndIntervalAreRead(text: String, file: String?, interval: Int) throws {
        let c = try ConfigurationTests.parse(text)
        #expect(c.metrics.file == file)
        #expect(c.metrics.intervalSeconds == interval)
    }

    @Test(arguments: [
        (#"{"metricsFile": 3}"#, "$.metricsFile", "expected a file path (or null to write no metrics), found 3"),
        (#"{"metricsFile": ""}"#, "$.metricsFile", "expected a file path (or null to write no metrics)"),
        (#"{"metricsFile": false}"#, "$.metricsFile", "or null to write no metrics"),
        (#"{"metricsIntervalSeconds": 0}"#, "$.metricsIntervalSeconds", "1"),
        (#"{"metricsIntervalSeconds": "15"}"#, "$.metricsIntervalSeconds", "expected a whole number"),
        (#"{"metricsIntervalSeconds": 86401}"#, "$.metricsIntervalSeconds", "86400"),
    ])
    func aWrongValueIsRefusedNamingItsKey(text: String, path: String, words: String) throws {
        let error = try #require(ConfigurationTests.error(text))
        let issue = try #require(error.issues.first, "\(error)")
        #expect(issue.path?.description == path, "\(error)")
        #expect(issue.message.contains(words), "\(error)")
    }
}
