import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Removes what a root no longer needs: finished runs past a cut, old rejected and control files, index days whose runs
/// are all gone; keeps every purged run's id refused (`outbox/purged/purged.jsonl`).
///
/// One pass is `begin` (take the gc lock, finish what a killed `gc` left in
/// `outbox/purging/`, select the expired runs), then `step` until `isDone`
/// (each step purges one slice of `sliceSize` runs, so `watch` can yield
/// between slices), then `finish` (rejected, control and index files, audit
/// segments, the purged ids past `dedupeDays`; the lock is released). `run`
/// does all three.
///
/// Never touched: a run without a result (queued, running, waiting), or one a
/// runner holds (a live record, a claim, a record being taken over: asked of
/// `RunLocator` before each run). Each run goes by the crash-safe protocol of
/// `GarbageCollector+Purge.swift`.
public final class GarbageCollector {
    /// A finished run selected for removal.
    struct Candidate: Sendable, Equatable {
        var runId: String
        var finishedAt: Date
        var sha256: String
    }

    let context: EngineContext
    let options: GCOptions
    public internal(set) var report = GCReport()
    var lock: GCLock?
    var candidates: [Candidate] = []
    var cursor = 0
    /// `outbox/purged/purged.jsonl`, open for appending while the pass holds the lock.
    var purgedFile: (any AppendableFile)?
    /// True while `outbox/purged/purged.jsonl` ends in a cut line: the next append begins with a newline.
    var torn = false
    private var begun = false
    /// The threads a slice's per-run file operations are shared among (`options.threads`).
    let pool: BlockingPool
    /// How many of them the slice at hand uses: all, or one while a runner holds claims (it is busy: gc keeps out of
    /// its way, as one thread, with smaller slices, and `run` pauses after each).
    var lanes = 1
    /// True when a runner held claims as the last slice began (`step`).
    private(set) var busy = false

    var fs: any FileSystem { context.fileSystem }
    var layout: RootLayout { context.layout }
    var strict: Bool { context.configuration.durability == .strict }
    var locator: RunLocator { RunLocator(context: context) }
    var tree: FileTree { FileTree(fileSystem: context.fileSystem) }

    public init(context: EngineContext, options: GCOptions) {
        self.context = context
        self.options = options
        pool = BlockingPool(name: "droprun-gc", width: options.threads)
        report.dryRun = options.dryRun
    }

    deinit {
        purgedFile?.close()
        lock?.release()
    }

    /// Runs a whole pass: `begin`, every slice, `finish`.
    ///
    /// - Throws: `GCLock.Refusal` when another `gc` holds the root's lock.
    ///
    /// Call it from a thread that may block (not the cooperative pool): after a slice in which a runner was busy, it
    /// sleeps `options.busyPause` times as long as the slice took (at most `options.busyPauseLimit`), so the runner
    /// keeps the disk.
    public func run() throws(GCLock.Refusal) -> GCReport {
        try begin()
        while !isDone {
            let started = DispatchTime.now().uptimeNanoseconds
            step()
            let took = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
            let pause = options.pause(afterSliceOf: took, busy: busy)
            if pause > 0, !isDone { usleep(UInt32(pause * 1e6)) }
        }
        return finish()
    }

    /// Takes the lock (not for a dry run), finishes leftovers of a killed `gc`, and selects the expired runs.
    public func begin() throws(GCLock.Refusal) {
        guard !begun else { return }
        begun = true
        _ = try? fs.makeDirectory(layout.purged)
        if !options.dryRun {
            lock = try GCLock.acquire(layout: layout, identity: context.identity)
            _ = try? fs.makeDirectory(layout.purging)
            finishLeftovers()
        }
        if let cut = options.runsBefore { candidates = expiredRuns(before: cut) }
    }

    /// True when every selected run has been through a slice.
    public var isDone: Bool { cursor >= candidates.count }

    /// Purges the next slice of runs: at most `options.sliceSize`, or `options.busySliceSize` while a runner holds
    /// claims (asked first: the slice's checks use the same answer).
    public func step() {
        let holds = locator.claimHolds()
        // A gc of one thread has no helpers to give up, so it does not hold back either.
        busy = !holds.runIds.isEmpty && pool.width > 1
        let end = min(candidates.count, cursor + options.sliceSize(busy: busy))
        let slice = Array(candidates[cursor..<end])
        cursor = end
        purge(slice, holds: holds)
    }

    /// Removes rejected, control and index files and old audit segments, compacts the purged ids; releases the lock.
    @discardableResult
    public func finish() -> GCReport {
        if let cut = options.rejectedBefore { sweepRejected(before: cut) }
        if let cut = options.runsBefore {
            sweepControl(before: cut)
            sweepIndex(before: cut)
        }
        if let cut = options.auditBefore { pruneAudit(before: cut) }
        purgedFile?.close()
        purgedFile = nil
        if !options.dryRun {
            do {
                report.dedupeDropped = try PurgeRecord.compact(
                    layout: layout, fileSystem: fs, dedupeDays: context.configuration.retention.dedupeDays, now: context.clock.now(), sync: strict)
            } catch {
                problem(layout.relative(PurgeRecord.path(layout)), .cannotCompact(error))
            }
        }
        lock?.release()
        lock = nil
        return report
    }

    /// Ends a pass without its remaining slices and sweeps (a stopping `watch`): closes the purged ids, releases the lock.
    public func abandon() {
        purgedFile?.close()
        purgedFile = nil
        lock?.release()
        lock = nil
        cursor = candidates.count
    }

    /// The audit segments past `cut`, removed by the audit log's pruner (under the gc lock; dry, only named).
    private func pruneAudit(before cut: Date) {
        do {
            let pruned = try AuditPruner(context: context).prune(olderThan: cut, dryRun: options.dryRun)
            report.auditSegmentsRemoved += pruned.removed
            report.bytesFreed += pruned.bytes
        } catch {
            problem(layout.relative(error.path), .cannotPruneAudit(error))
        }
    }

    /// Notes what could not be removed.
    func problem(_ subject: String, _ reason: GCReason) {
        report.errors.append(GCReport.Problem(subject: subject, kind: reason))
    }

    // MARK: Selection

    /// The finished runs whose `finishedAt` is before `cut`, oldest first: from the index when it is built
    /// (`outbox/index/.built`), else from a scan of `outbox/results/`.
    func expiredRuns(before cut: Date) -> [Candidate] {
        var found: [Candidate] = []
        if IndexReader(layout: layout, fileSystem: fs).isBuilt {
            for file in (try? IndexFiles.list(layout: layout, fileSystem: fs)) ?? [] {
                guard let start = IndexFiles.start(ofDay: file.day), start < cut else { continue }
                // In chunks: a day file can hold tens of megabytes.
                _ = try? LineChunks(fileSystem: fs).forEach(file.path) { line in
                    // Whether its result is still there is asked when its slice comes (by several threads at once).
                    guard let entry = IndexEntry(line: line.bytes), entry.finishedAt < cut else { return true }
                    found.append(Candidate(runId: entry.runId, finishedAt: entry.finishedAt, sha256: entry.requestSHA256))
                    return true
                }
            }
        } else {
            for entry in (try? fs.list(layout.results)) ?? [] where entry.name.hasSuffix(".json") && !entry.name.hasPrefix(".") {
                let runId = String(entry.name.dropLast(5))
                let record: RunRecord
                switch RunLocator.readRecord(layout.result(runId), fs: fs) {
                case .missing: continue
                case .unreadable(let reason):
                    // Said, not removed: what it holds (its finishedAt, its status) is unknown.
                    report.skipped.append(GCReport.Problem(subject: runId, kind: .unreadableRecord("\(reason)")))
                    continue
                case .record(let read): record = read
                }
                guard record.runId == runId, record.status.isFinal, let finishedAt = record.finishedAt, finishedAt < cut else {
                    if record.runId != runId || record.status.isFinal && record.finishedAt == nil {
                        let why = record.runId != runId ? "it names run '\(record.runId)'" : "it has no finishedAt"
                        report.skipped.append(GCReport.Problem(subject: runId, kind: .unreadableRecord(why)))
                    }
                    continue
                }
                found.append(Candidate(runId: runId, finishedAt: finishedAt, sha256: record.requestSHA256))
            }
        }
        // A run met twice (two lines about it, as two writers or a repair may leave) is the same run: once.
        found.sort { ($0.finishedAt, $0.runId) < ($1.finishedAt, $1.runId) }
        var kept = 0
        for index in found.indices
        where kept == 0 || found[kept - 1].runId != found[index].runId || found[kept - 1].finishedAt != found[index].finishedAt {
            found[kept] = found[index]
            kept += 1
        }
        found.removeLast(found.count - kept)
        return found
    }
}
