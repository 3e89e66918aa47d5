/// `droprun reindex`: builds the history index (`outbox/index/`) anew from `outbox/results/`.
enum ReindexCommand {
    static func run(_ context: CommandContext) async throws -> ExitCode {
        // A broken droprun.json does not stop a repair: the index is written durably then, as in strict durability.
        let configuration = (try? Configuration.load(root: context.root, fileSystem: context.fs)) ?? Configuration()
        let liveness = context.liveness
        let builder = IndexBuilder(
            layout: context.layout, fileSystem: context.fs, clock: context.environment.clock, durable: configuration.durability == .strict,
            pid: context.environment.identity.pid, isLive: { !liveness.isDead($0) })
        if let what = IndexFolder.problem(layout: context.layout, fileSystem: context.fs) {
            throw CLIError.failed(IndexFolder.offMessage(what) + "; move it away, then run droprun reindex again")
        }
        let report: IndexBuilder.Report
        do {
            report = try builder.rebuild()
        } catch {
            throw CLIError.failed("could not rebuild the history index (outbox/index/): \(error)")
        }
        if context.json {
            context.printJSON([
                "runs": .int(report.runs), "files": .array(report.files.map(JSONValue.string)), "removed": .int(report.removed),
                "unreadable": .array(report.unreadable.map { ["file": .string($0.file), "reason": .string($0.reason)] }),
                "notIndexFiles": .array(report.notIndexFiles.map { ["file": .string($0.file), "reason": .string($0.reason)] }),
                "seconds": .double((report.seconds * 1000).rounded() / 1000),
            ])
        } else {
            let files = report.files.count
            context.out.line(
                "indexed \(report.runs) finished run\(report.runs == 1 ? "" : "s") into \(files) day file\(files == 1 ? "" : "s") (outbox/index/); \(report.unreadable.count) unreadable"
            )
            for problem in report.unreadable { context.out.line("unreadable: \(problem.file): \(problem.reason)") }
            for other in report.notIndexFiles { context.out.line("left alone: \(other.file): \(other.reason)") }
        }
        return report.unreadable.isEmpty ? .success : .failure
    }
}
