/// `droprun gc [--older-than DURATION] [--dry-run] [--json] [--archive DIR]`: removes finished runs and old files.
///
/// Without `--older-than`, the cuts come from `retention` in `droprun.json`
/// (`runsDays`, `rejectedDays`, `auditDays`). Exit 0 when done, 1 when
/// something could not be removed (each named) or another gc holds the lock, 2
/// for a usage error.
enum GCCommand {
    /// Runs per slice of the command (a watch pass takes fewer, to yield often): strict durability pays a few flushes
    /// per slice, and a kill leaves at most this many runs in `outbox/purging/` for the next gc.
    static let sliceSize = 1000

    static func run(_ context: CommandContext) async throws -> ExitCode {
        let configuration = try context.configuration()
        let now = context.environment.clock.now()
        var options: GCOptions
        if let text = context.parsed.value("older-than") {
            guard let seconds = DurationText.seconds(text), seconds >= 60 else {
                throw CLIError.usage(
                    "invalid value '\(text)' for '--older-than': expected a duration of at least one minute, such as 15m, 24h, 7d or 1h30m (the smallest is 1m or 60s)"
                )
            }
            options = .olderThan(seconds, auditDays: configuration.retention.auditDays, now: now)
        } else if let fromSettings = GCOptions.retention(configuration.retention, now: now) {
            // Any key set is something to do (dedupeDays alone compacts the purged ids).
            options = fromSettings
        } else {
            throw CLIError.usage(
                "droprun gc needs to know what is old: pass --older-than DURATION (e.g. --older-than 30d), or set \"retention\" in droprun.json "
                    + "({\"retention\": {\"runsDays\": 30, \"rejectedDays\": 7}}). See 'droprun gc --help'.")
        }
        if let dir = context.parsed.value("archive") {
            let archive = ArchivePath.resolve(context.absolute(dir))
            if let info = try? context.fs.info(archive), info.type != .directory {
                throw CLIError.usage("--archive \(dir): it is \(info.type.phrase), not a folder; give a folder (it is created when missing)")
            }
            if ArchivePath.isInside(archive, root: context.absolute(context.layout.root)) {
                throw CLIError.usage(
                    "--archive \(dir): \(archive) is inside the root \(ArchivePath.resolve(context.absolute(context.layout.root))); "
                        + "give a folder outside it (gc would remove or take the archive as the root's own files)")
            }
            options.archive = archive
        }
        options.dryRun = context.parsed.flag("dry-run")
        options.sliceSize = sliceSize
        // Housekeeping: runs beside it (a watch, a run --once) go first for the CPU and the disk.
        context.environment.lowerPriority()
        let engine = context.engine(configuration)
        defer { engine.audit.close() }
        // Off the cooperative pool: gc blocks on the disk, and shares a slice's file work among threads of its own.
        let chosen = options
        let outcome = await WorkThread(name: "droprun-gc").perform { () -> Result<GCReport, GCLock.Refusal> in
            Result { () throws(GCLock.Refusal) in try GarbageCollector(context: engine, options: chosen).run() }
        }
        let report: GCReport
        switch outcome {
        case .success(let done): report = done
        case .failure(let error): throw CLIError.failed(error.description)
        }
        if context.json {
            context.printJSON(
                report.json(adding: [
                    "olderThan": options.runsAge.map { .string(GCOptions.ageText($0)) } ?? .null,
                    "archive": options.archive.map(JSONValue.string) ?? .null,
                ]))
        } else {
            print(report, options: options, context: context)
        }
        return report.errors.isEmpty ? .success : .failure
    }

    private static func print(_ report: GCReport, options: GCOptions, context: CommandContext) {
        let out = context.out
        if report.dryRun {
            let verb = options.archive == nil ? "would remove" : "would archive"
            for runId in report.purged { out.line("\(verb) run \(runId)") }
            for name in report.rejectedRemoved { out.line("\(verb) outbox/rejected/\(name)") }
            for name in report.controlRemoved { out.line("\(verb) outbox/control/\(name)") }
            for name in report.indexFilesRemoved { out.line("would remove outbox/index/\(name)") }
        }
        var line = "gc: " + report.summary(runsAge: options.runsAge, runs: options.runsBefore != nil, archive: options.archive != nil)
        if let archive = options.archive, !report.dryRun, report.archivedAnything { line += "; archived under \(archive)" }
        if report.dryRun { line += "; nothing was removed (--dry-run)" }
        out.line(line)
        for skip in report.skipped { out.line("skipped \(skip.subject): \(skip.reason)") }
        for error in report.errors { out.line("error   \(error.subject): \(error.reason)") }
    }
}
