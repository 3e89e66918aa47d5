extension Dispatcher {
    /// `watch`'s metrics file: written at once, then every `metricsIntervalSeconds` on the injected clock, until `finish`.
    ///
    /// The writes run on a thread of their own (reading the root is blocking
    /// file work), so neither this actor nor the task pool waits for them.
    func startMetrics() -> MetricsTicker {
        MetricsTicker(file: MetricsFile(context: context), clock: context.clock)
    }

    /// `run --once`'s metrics file, written once at the end of the pass (off the task pool), without its own
    /// heartbeat (removed next); left alone while a live `watch` runner holds the root (the file is that runner's).
    func writeMetrics() async {
        await MetricsFile(context: context).writeLastOffThePool(yieldingToWatch: true)
    }
}

/// The periodic writer of `watch`'s metrics file, and its last write when `watch` stops.
final class MetricsTicker: Sendable {
    /// The file written (`reconfigure` it when `droprun.json` is reloaded).
    let file: MetricsFile
    private let task: Task<Void, Never>

    init(file: MetricsFile, clock: any RunnerClock) {
        self.file = file
        task = Task.detached {
            await file.writeOffThePool()
            while !Task.isCancelled {
                do {
                    try await clock.sleep(for: .seconds(file.intervalSeconds))
                } catch {
                    return
                }
                await file.writeOffThePool()
            }
        }
    }

    /// Stops the periodic writes and writes the file a last time, with every run counted and without this runner's
    /// heartbeat gauges (its heartbeat is removed next: the file must not show it alive).
    func finish() async {
        task.cancel()
        await task.value
        await file.writeLastOffThePool()
    }
}
