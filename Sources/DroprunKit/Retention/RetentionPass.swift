import Foundation

/// The gc pass a runner makes on its own when `retention` sets anything: `watch` hourly, `run --once` at its end.
///
/// The pass works in slices (`sliceSize` runs each), yielding between them so
/// runs keep flowing; it is cancelled between slices (the lock is released).
/// Another gc holding the lock means this pass is skipped. A pass that removed
/// something says so on standard error, e.g.
/// `droprun: gc removed 120 runs older than 30d (3.4 MB)`.
enum RetentionPass {
    /// Runs in a `watch` pass per slice.
    static let sliceSize = 100

    /// One pass; nil when `retention` sets nothing or another gc holds the lock.
    static func run(context: EngineContext, sliceSize: Int = RetentionPass.sliceSize) async -> GCReport? {
        guard var options = GCOptions.retention(context.configuration.retention, now: context.clock.now()) else { return nil }
        options.sliceSize = sliceSize
        let gc = GarbageCollector(context: context, options: options)
        do {
            try gc.begin()
        } catch {
            if case .failed = error { context.warnings.warn("gc: \(error)") }
            return nil
        }
        while !gc.isDone {
            if Task.isCancelled {
                gc.abandon()
                return gc.report
            }
            gc.step()
            await Task.yield()
        }
        let report = gc.finish()
        if report.removedAnything {
            context.warnings.notice(
                "gc " + report.summary(runsAge: options.runsAge, runs: options.runsBefore != nil, archive: options.archive != nil))
        }
        for error in report.errors { context.warnings.warn("gc: \(error)") }
        return report
    }
}
