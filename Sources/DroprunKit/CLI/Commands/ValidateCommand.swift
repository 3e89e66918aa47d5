/// `droprun validate FILE...`: checks requests exactly as the runner would, without running them.
enum ValidateCommand {
    static func read(_ path: String, context: CommandContext, limit: Int) throws(CLIError) -> [UInt8] {
        do {
            return try context.fs.readRegularFile(path, maxBytes: limit)
        } catch {
            switch error {
            case .notFound: throw .notFound("no file '\(path)'")
            case .notRegular(let type): throw .failed("not_regular_file: '\(path)' is a \(type.rawValue)")
            case .tooLarge(let size, let limit): throw .failed("too_large: '\(path)' has \(size) bytes; the limit (maxRequestBytes) is \(limit)")
            case .unreadable(let e): throw .failed("unreadable: \(e)")
            }
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
            let outcome: Result<Drop, Rejection>
            do {
                outcome = decoder.decode(try read(path, context: context, limit: configuration.maxRequestBytes), fileName: Path.name(path))
            } catch {
                outcome = .failure(Rejection(error.reason, error.description))
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

extension CLIError {
    /// The rejection reason a read failure stands for.
    var reason: RejectionReason {
        let text = description
        if text.hasPrefix("not_regular_file") { return .notRegularFile }
        if text.hasPrefix("too_large") { return .tooLarge }
        return .unreadable
    }
}
