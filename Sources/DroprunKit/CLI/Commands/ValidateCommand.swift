/// `droprun validate FILE...`: checks requests exactly as the runner would, without running them.
enum ValidateCommand {
    /// Reads a request file as the runner would, or says why it would be rejected.
    static func load(_ path: String, context: CommandContext, limit: Int) -> Result<[UInt8], Rejection> {
        do {
            return .success(try context.fs.readRegularFile(path, maxBytes: limit))
        } catch {
            switch error {
            case .notFound: return .failure(Rejection(.unreadable, "no file '\(path)'"))
            case .notRegular(let type): return .failure(Rejection(.notRegularFile, "'\(path)' is \(type.phrase), not a regular file"))
            case .tooLarge(let size, let limit):
                return .failure(Rejection(.tooLarge, "'\(path)' has \(size) bytes; the limit (maxRequestBytes) is \(limit)"))
            case .unreadable(let e): return .failure(Rejection(.unreadable, "cannot read '\(path)': \(e)"))
            }
        }
    }

    /// Standard input as a request's bytes, or why it would be rejected.
    static func standardInput(_ context: CommandContext, limit: Int) -> Result<[UInt8], Rejection> {
        let bytes = context.environment.readStandardInput()
        guard bytes.count <= limit else {
            return .failure(Rejection(.tooLarge, "standard input has \(bytes.count) bytes; the limit (maxRequestBytes) is \(limit)"))
        }
        return .success(bytes)
    }

    /// Reads a request file for a command that stops at the first problem.
    static func read(_ path: String, context: CommandContext, limit: Int) throws(CLIError) -> [UInt8] {
        switch load(path, context: context, limit: limit) {
        case .success(let bytes): return bytes
        case .failure(let rejection):
            if case .unreadable = rejection.reason, !context.fs.exists(path) { throw .fileNotFound(path: path) }
            throw .unusableFile(rejection)
        }
    }

    static func run(_ context: CommandContext) async throws -> ExitCode {
        let configuration = try context.configuration()
        let engine = context.engine(configuration)
        defer { engine.audit.close() }
        let decoder = engine.decoder
        let workflows = context.parsed.flag("workflow")
        var results: [JSONValue] = []
        var allValid = true
        for file in context.parsed.argumentList("file") {
            // `-` is standard input, as for `submit -` (whose run id, without `id`, is made up when it is submitted).
            let stdinName = "submitted-\(Timestamp.compact(context.environment.clock.now()))-\(context.environment.identity.pid).json"
            let path = file == "-" ? Path.join(context.root, stdinName) : context.absolute(file)
            var entry: [String: JSONValue] = ["file": .string(file)]
            let loaded =
                file == "-"
                ? standardInput(context, limit: configuration.maxRequestBytes) : load(path, context: context, limit: configuration.maxRequestBytes)
            let outcome =
                workflows ? loaded.flatMap { decodeWorkflow($0, decoder: decoder) } : loaded.flatMap { decoder.decode($0, fileName: Path.name(path)) }
            var warnings: [String] = []
            switch outcome {
            case .success(.run(let request, let runId)):
                entry["valid"] = true
                entry["workflow"] = .string(request.workflow.name)
                entry["steps"] = .int(request.workflow.steps.count)
                let steps = "\(request.workflow.steps.count) step\(request.workflow.steps.count == 1 ? "" : "s")"
                if workflows {
                    if !context.json { context.out.line("ok       \(file): workflow '\(request.workflow.name)', \(steps)") }
                } else {
                    entry["runId"] = .string(runId)
                    warnings = existing(runId, request: request, fileName: Path.name(path), path: path, engine: engine)
                    if !context.json { context.out.line("ok       \(file): run '\(runId)', workflow '\(request.workflow.name)', \(steps)") }
                }
            case .success(.control(let message)):
                entry["valid"] = true
                entry["runId"] = .string(message.runId)
                entry["control"] = .string(message.verb.rawValue)
                if !context.json { context.out.line("ok       \(file): control message: \(message.verb) run '\(message.runId)'") }
                do {
                    _ = try ControlCommand.check(message.runId, verb: message.verb, context: context)
                } catch {
                    // Valid as a message, but `submit` refuses it and a runner rejects it (unknown_run, invalid_state).
                    let why = (error as? CLIError)?.description ?? "\(error)"
                    warnings.append("\(why): submitting this message would be refused")
                }
            case .failure(let rejection):
                allValid = false
                entry["valid"] = false
                entry["reason"] = .string(rejection.reason.rawValue)
                entry["errors"] = .array(rejection.issues.map(\.json))
                if !workflows, case .success(let bytes) = loaded, looksLikeWorkflow(bytes) {
                    warnings.append("this looks like a workflow definition, not a request; check it with: droprun validate --workflow \(file)")
                }
                if !context.json {
                    context.out.line("invalid  \(file): \(rejection.reason.rawValue)")
                    for issue in rejection.issues { context.out.line("  \(issue)") }
                }
            }
            if !warnings.isEmpty {
                entry["warnings"] = .array(warnings.map(JSONValue.string))
                if !context.json { for warning in warnings { context.out.line("  warning: \(warning)") } }
            }
            results.append(.object(entry))
        }
        if context.json { context.printJSON(.array(results)) }
        return allValid ? .success : .failure
    }

    /// Checks a workflow definition on its own, as a request naming it would check it.
    ///
    /// The file is what `workflows/<name>.json` holds (or a request's `workflow`
    /// object); it is checked inside a request that has only that workflow, and
    /// errors name paths in the file (`$.steps[0].provider`).
    static func decodeWorkflow(_ bytes: [UInt8], decoder: RequestDecoder) -> Result<Drop, Rejection> {
        let json: JSONValue
        do {
            json = try JSONParser.parse(bytes)
        } catch {
            return .failure(Rejection(.invalidJSON, "not valid JSON: \(error)"))
        }
        guard case .object = json else {
            return .failure(Rejection(.invalidRequest, "expected a workflow object (name, version, steps), found \(json.typeName)", path: .root))
        }
        let wrapped: JSONValue = ["id": "workflow-check", "workflow": json]
        return decoder.decode(wrapped, fileName: "workflow-check.json").mapError { rejection in
            Rejection(
                rejection.reason,
                rejection.issues.map { issue in
                    guard let path = issue.path, path.components.first == .key("workflow") else { return issue }
                    return ValidationIssue(JSONPath(components: Array(path.components.dropFirst())), issue.message)
                })
        }
    }

    /// True for a JSON object with `steps` and no `workflow`: a workflow file given as a request.
    static func looksLikeWorkflow(_ bytes: [UInt8]) -> Bool {
        guard let json = try? JSONParser.parse(bytes), case .object(let top) = json else { return false }
        return top["steps"] != nil && top["workflow"] == nil
    }

    /// Why `droprun submit` would refuse this request although it is valid: its run id is taken, or its inbox name is.
    static func existing(_ runId: String, request: RunRequest, fileName: String, path: String, engine: EngineContext) -> [String] {
        if let record = RunLocator(context: engine).takenPlace(runId) {
            return [
                "run '\(runId)' already exists (\(record)): submitting this request would be refused and dropping it rejected as duplicate; to run it again use droprun retry \(runId)"
            ]
        }
        if let purged = Intake(context: engine).purgedRun(runId) {
            return ["\(purged.duplicateMessage): submitting this request would be refused and dropping it rejected as duplicate"]
        }
        let inboxName = request.id != nil ? runId + ".json" : fileName
        let inboxPath = Path.join(engine.layout.inbox, inboxName)
        if inboxPath != path, engine.fileSystem.exists(inboxPath) {
            return ["inbox/\(inboxName) is already waiting to run: submitting this request would be refused"]
        }
        return []
    }
}
