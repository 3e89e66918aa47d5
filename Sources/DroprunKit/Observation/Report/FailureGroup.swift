import Foundation

/// The failed runs of a window that share an error code, with what their messages said.
///
/// The index holds each failure's code and step, not its message: the
/// messages come from the results of the newest `samplesPerCode` runs of
/// each code (a few reads per code, whatever the window's size).
struct FailureGroup: Sendable, Equatable {
    /// The error code (`step_timeout`, a `fail` step's code, ...).
    var code: String
    /// Runs that ended with it.
    var count = 0
    /// How many of them failed at each step, most first.
    var steps: [(step: String, count: Int)] = []
    /// The distinct messages of the sampled runs, newest first.
    var messages: [String] = []
    /// The sampled runs, newest first.
    var samples: [String] = []

    /// Results read per code for messages.
    static let samplesPerCode = 3
    /// Codes shown; the others are summed up in one line.
    static let maxGroups = 20

    static func == (a: FailureGroup, b: FailureGroup) -> Bool {
        a.code == b.code && a.count == b.count && a.steps.map(\.step) == b.steps.map(\.step) && a.steps.map(\.count) == b.steps.map(\.count)
            && a.messages == b.messages && a.samples == b.samples
    }

    /// The groups of `entries` (newest first), most runs first; messages read from the sampled runs' results.
    static func groups(_ entries: [IndexEntry], layout: RootLayout, fileSystem: any FileSystem) -> [FailureGroup] {
        var byCode: [String: (count: Int, steps: [String: Int], samples: [String])] = [:]
        for entry in entries where entry.status == .failed {
            guard let code = entry.errorCode else { continue }
            var group = byCode[code] ?? (0, [:], [])
            group.count += 1
            group.steps[entry.errorStep ?? "-", default: 0] += 1
            if group.samples.count < samplesPerCode { group.samples.append(entry.runId) }
            byCode[code] = group
        }
        let sorted = byCode.sorted { ($0.value.count, $1.key) > ($1.value.count, $0.key) }.prefix(maxGroups)
        return sorted.map { code, group in
            var failure = FailureGroup(code: code, count: group.count)
            failure.steps = group.steps.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map { ($0.key, $0.value) }
            failure.samples = group.samples
            for runId in group.samples {
                guard case .record(let record) = RunLocator.readRecord(layout.result(runId), fs: fileSystem),
                    let message = record.error?.message, !message.isEmpty, !failure.messages.contains(message)
                else { continue }
                failure.messages.append(message)
            }
            return failure
        }
    }
}
