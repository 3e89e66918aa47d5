/// `droprun submit FILE|-`: validates a request and hands it to the inbox atomically; with `--wait`, waits for its run to end.
enum SubmitCommand {
    static func run(_ context: CommandContext) async throws -> ExitCode {
        let wait = context.parsed.flag("wait")
        let timeout = try context.parsed.intValue("timeout", range: 1...31_536_000)
        if timeout != nil, !wait { throw CLIError.usage("--timeout is how long --wait waits: give --wait too, or leave --timeout out") }
        if context.json, !wait { throw CLIError.usage("--json is the record --wait prints: give --wait too, or leave --json out") }
        let configuration = try context.configuration()
        let engine = context.engine(configuration)
        let file = context.parsed.argument("file") ?? "-"
        let bytes: [UInt8]
        let sourceName: String?
        if file == "-" {
            bytes = context.environment.readStandardInput()
            sourceName = nil
        } else {
            bytes = try ValidateCommand.read(context.absolute(file), context: context, limit: configuration.maxRequestBytes)
            sourceName = Path.name(file).hasSuffix(".json") ? Path.name(file) : Path.name(file) + ".json"
        }
        if bytes.count > configuration.maxRequestBytes {
            throw CLIError.tooLarge(bytes: bytes.count, limit: configuration.maxRequestBytes)
        }
        let fallbackName = sourceName ?? "submitted-\(Timestamp.compact(context.environment.clock.now()))-\(context.environment.identity.pid).json"
        let targetName: String
        let runId: String
        switch engine.decoder.decode(bytes, fileName: fallbackName) {
        case .failure(let rejection):
            throw CLIError.notSubmitted(file: file, rejection)
        case .success(.run(let request, let id)):
            runId = id
            targetName = request.id != nil ? id + ".json" : fallbackName
            if let existing = RunLocator(context: engine).takenPlace(id) { throw CLIError.duplicateRun(runId: id, existing: existing) }
            // As the runner would: a run gc purged keeps its id refused.
            if let purged = Intake(context: engine).purgedRun(id) { throw CLIError.failed("duplicate: \(purged.duplicateMessage)") }
        case .success(.control(let message)):
            if wait {
                throw CLIError.usage(
                    "--wait waits for a run, and \(file) is a control message (\(message.verb.rawValue) for run \(message.runId)): submit it without --wait, then 'droprun status \(message.runId)'"
                )
            }
            // As `droprun approve|reject|cancel` would: an unknown run, or one that cannot take it, is refused now.
            runId = try ControlCommand.check(message.runId, verb: message.verb, context: context)
            targetName = RootLayout.controlMessageName(runId: message.runId, verb: message.verb, at: context.environment.clock.now())
        }
        try engine.layout.createFolders(context.fs)
        let target = Path.join(engine.layout.inbox, targetName)
        let written = Result { () throws(FileSystemError) in try context.fs.writeNew(target, bytes, sync: configuration.durability == .strict) }
        if case .failure(let error) = written {
            throw error.isAlreadyExists ? CLIError.alreadyWaiting(inboxName: targetName) : CLIError.fileSystem(error)
        }
        guard wait else {
            context.out.line(runId)
            return .success
        }
        let waiter = RunEndWait(layout: engine.layout, fileSystem: context.fs, clock: context.environment.clock, runId: runId, inboxName: targetName)
        return try await Self.wait(for: waiter, timeout: timeout, context: context)
    }
}
