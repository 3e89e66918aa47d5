/// `droprun submit FILE|-`: validates a request and hands it to the inbox atomically.
enum SubmitCommand {
    static func run(_ context: CommandContext) async throws -> ExitCode {
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
            throw CLIError.failed("too_large: the request has \(bytes.count) bytes; the limit (maxRequestBytes) is \(configuration.maxRequestBytes)")
        }
        let fallbackName = sourceName ?? "submitted-\(Timestamp.compact(context.environment.clock.now()))-\(context.environment.identity.pid).json"
        let targetName: String
        let runId: String
        switch engine.decoder.decode(bytes, fileName: fallbackName) {
        case .failure(let rejection):
            context.err.line("droprun: \(file) was not submitted: \(rejection.reason.rawValue)")
            for issue in rejection.issues { context.err.line("  \(issue)") }
            return .failure
        case .success(.run(let request, let id)):
            runId = id
            targetName = request.id != nil ? id + ".json" : fallbackName
            if let existing = RunLocator(context: engine).takenPlace(id) {
                context.err.line("droprun: duplicate: run '\(id)' already exists (\(existing)); to run it again use 'droprun retry \(id)'")
                return .failure
            }
        case .success(.control(let message)):
            // As `droprun approve|reject|cancel` would: an unknown run, or one that cannot take it, is refused now.
            runId = try ControlCommand.check(message.runId, verb: message.verb, context: context)
            targetName = "\(message.runId).\(message.verb).\(Timestamp.compact(context.environment.clock.now())).json"
        }
        try engine.layout.createFolders(context.fs)
        let target = Path.join(engine.layout.inbox, targetName)
        let written = Result { () throws(FileSystemError) in try context.fs.writeNew(target, bytes, sync: configuration.durability == .strict) }
        if case .failure(let error) = written {
            if error.isAlreadyExists {
                context.err.line("droprun: duplicate: inbox/\(targetName) is already waiting to run")
                return .failure
            }
            throw CLIError.fileSystem(error)
        }
        context.out.line(runId)
        return .success
    }
}
