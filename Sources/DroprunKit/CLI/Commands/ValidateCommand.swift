/// `droprun validate FILE...`: checks requests exactly as the runner would, without running them.
enum ValidateCommand {
    /// Reads a request file as the runner would, or says why it would be rejected.
    static func load(_ path: String, context: CommandContext, limit: Int) -> Result<[UInt8], Rejection> {
        do {
            return .success(try context.fs.readRegularFile(path, maxBytes: limit))
        } catch {
            switch error {
            case .notFound: return .failure(Rejection(.unreadable, "no file '\(path)'"))
            case .notRegular(let type): return .failure(Rejection(.notRegularFile, "'\(path)' is a \(type.rawValue), not a regular file"))
            case .tooLarge(let size, let limit): return .failure(Rejection(.tooLarge, "'\(path)' has \(size) bytes; the limit (maxRequestBytes) is \(limit)"))
            case .unreadable(let e): return .failure(Rejection(.unreadable, "cannot read '\(path)': \(e)"))
            }
        }
    }

    /// Reads a request file for a command that stops at the first problem.
    static func read(_ path: String, context: CommandContext, limit: Int) throws(CLIError) -> [UInt8] {
        switch load(path, context: context, limit: limit) {
        case .success(let bytes): return bytes
        case .failure(let rejection):
            if case .unreadable = rejection.reason, !context.fs.exists(path) { throw .notFound("no file '\(path)'") }
            throw .failed(rejection.description)
        }
    }

    static func run(_ context: CommandContext) async throws -> ExitCode {
        let configuration = try context.configuration()
        let decoder = context.engine(configuration).decoder
        var results: [JSONValue] = []
        var allValid = true
        for file in context.parsed.argumentList("file") {
            let path = context.absolute(file)
            var entry: [String: JSONValue] = ["file": .string(file)]
            let outcome = load(path, context: context, limit: configuration.maxRequestBytes).flatMap {
                decoder.decode($0, fileName: Path.name(path))
            }
            switch outcome {
            case .success(.run(let request, let runId)):
                entry["valid"] = true
                entry["runId"] = .string(runId)
                entry["workflow"] = .string(request.workflow.name)
                entry["steps"] = .int(request.workflow.steps.count)
                if !context.json {
                    context.out.line("ok       \(file): run '\(runId)', workflow '\(request.workflow.name)', \(request.workflow.steps.count) step\(request.workflow.steps.count == 1 ? "" : "s")")
                }
            case .success(.control(let message)):
                entry["valid"] = true
                entry["runId"] = .string(message.runId)
                entry["control"] = .string(message.verb)
                if !context.json { context.out.line("ok       \(file): control message: \(message.verb) run '\(message.runId)'") }
            case .failure(let rejection):
                allValid = false
                entry["valid"] = false
                entry["reason"] = .string(rejection.reason.rawValue)
                entry["errors"] = .array(rejection.issues.map(\.json))
                if !context.json {
                    context.out.line("invalid  \(file): \(rejection.reason.rawValue)")
                    for issue in rejection.issues { context.out.line("  \(issue)") }
                }
            }
            results.append(.object(entry))
        }
        if context.json { context.printJSON(.array(results)) }
        return allValid ? .success : .failure
    }
}
