import Foundation

/// The gc pass a runner makes on its own when `retention` sets anything: `watch` hourly, `run --once` at its end.
///
/// The pass works in slices (`sliceSize` runs each), yielding between them so
/// runs keep flowing, and pausing after a slice while the runner is busy; it is cancelled between slices (the lock is
/// released).
/// Another gc holding the lock means this pass is skipped. A pass that removed
/// something says so on standard error, e.g.
/// `droprun: gc removed 120 runs older than 30d (3.4 MB)`.
enum RetentionPass {
    /// Runs in a `watch` pass per slice.
    static let sliceSize = 100

    /// One pass; nil when `retention` sets nothing or another gc holds the lock.
    ///
    /// `begin`, each slice and `finish` run on a thread of their own (blocking file work: reading index days,
    /// flushes), each awaited, so the cooperative pool the heartbeat and the runs need is never held.
    static func run(context: EngineContext, sliceSize: Int = RetentionPass.sliceSize) async -> GCReport? {
        guard var options = GCOptions.retention(context.configuration.retention, now: context.clock.now()) else { return nil }
        options.sliceSize = sliceSize
        let gc = Collector(GarbageCollector(context: context, options: options))
        let worker = WorkThread(name: "droprun-gc")
        let begun = await worker.perform { () -> Result<Void, GCLock.Refusal> in Result { () throws(GCLock.Refusal) in try gc.value.begin() } }
        if case .failure(let error) = begun {
            if case .failed = error { context.warnings.warn("gc: \(error)") }
            return nil
        }
        while await worker.perform({ !gc.value.isDone }) {
            if Task.isCancelled {
                return await worker.perform {
                    gc.value.abandon()
                    return gc.value.report
                }
            }
            let started = ContinuousClock.now
            let busy = await worker.perform { () -> Bool in
                gc.value.step()
                return gc.value.lanes == 1 && gc.value.pool.width > 1 && !gc.value.isDone
            }
            // Beside a busy runner (it holds claims: the slice kept to one thread), the pause `gc` itself makes (the one
            // rule, `GCOptions.pause`), on the engine's clock, so the runner keeps most of the disk.
            let took = ContinuousClock.now - started
            let pause = options.pause(afterSliceOf: Double(took.components.seconds) + Double(took.components.attoseconds) / 1e18, busy: busy)
            if pause > 0 { try? await context.clock.sleep(for: .milliseconds(Int(pause * 1000))) }
        }
        let report = await worker.perform { gc.value.finish() }
        if report.removedAnything {
            context.warnings.notice(
                .gcPurged, "gc " + report.summary(runsAge: options.runsAge, runs: options.runsBefore != nil, archive: options.archive != nil),
                count: report.purged.count, bytes: report.bytesFreed)
        }
        for error in report.errors { context.warnings.warn("gc: \(error)") }
        return report
    }

    /// The pass's collector, handed from job to job of the work thread: only one of them uses it at a time, each
    /// awaited before the next is submitted.
    private final class Collector: @unchecked Sendable {
        let value: GarbageCollector
        init(_ value: GarbageCollector) { self.value = value }
    }
}

extension WorkThread {
    /// Runs `job` on the work thread and waits for its result without holding a thread of the pool.
    func perform<T: Sendable>(_ job: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in submit { continuation.resume(returning: job()) } }
    }
}
