extension Dispatcher {
    /// Builds the history index at start when it was never built (no `outbox/index/.built`), and says so in one line.
    ///
    /// The rebuild reads every result, so it runs on a thread of its own, not
    /// on the task pool the heartbeat needs meanwhile. A failure is a warning:
    /// queries read `outbox/results/` until an index is built, and the next
    /// runner's start (or `droprun reindex`) tries again.
    ///
    /// With something other than a folder at `outbox/index`, nothing is built: the runner says once that the index is
    /// off and runs on without it (see `IndexFolder`).
    func ensureIndexBuilt() async {
        let builder = IndexBuilder(context: context)
        if case .off(let what, isNew: true) = context.index.turnOffIfNotAFolder() {
            context.warnings.warn(IndexFolder.offMessage(what))
            return
        }
        if builder.isBuilt { return }
        let outcome = await withCheckedContinuation { (continuation: CheckedContinuation<Result<IndexBuilder.Report?, FileSystemError>, Never>) in
            WorkThread(name: "droprun-index").submit {
                continuation.resume(returning: Result { () throws(FileSystemError) in try builder.ensureBuilt() })
            }
        }
        let warnings = context.warnings
        switch outcome {
        case .success(nil):
            break
        case .success(let report?):
            let seconds = (report.seconds * 10).rounded() / 10
            warnings.notice(
                "built the history index of \(report.runs) finished run\(report.runs == 1 ? "" : "s") in \(JSONWriter.compact(.double(seconds))) s (outbox/index/)"
            )
            for problem in report.unreadable { warnings.warn("\(problem.file) is not in the history index: \(problem.reason)") }
        case .failure(let error):
            warnings.warn("could not build the history index (outbox/index/): \(error); 'droprun reindex' builds it")
        }
    }
}
