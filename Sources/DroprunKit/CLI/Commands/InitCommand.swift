import Foundation

/// `droprun init [DIR]`: creates the folders, a configuration with the defaults, and an example request.
enum InitCommand {
    static let exampleRequest = """
        {
          "id": "hello-droprun",
          "workflow": {
            "name": "hello",
            "version": "1",
            "steps": [
              { "id": "greet", "provider": "template", "with": { "template": "Hello, {{input.name}}!" } },
              { "id": "shout", "provider": "transform", "with": { "value": "{{steps.greet.output.text}}", "op": "uppercase" } },
              { "id": "save", "provider": "artifact", "with": { "name": "greeting.txt", "content": "{{steps.shout.output.value}}" } }
            ]
          },
          "input": { "name": "world" }
        }

        """

    static let exampleConfiguration = """
        {
          "concurrency": 4,
          "pollIntervalMs": 500,
          "settleMs": 0,
          "maxRequestBytes": 1048576,
          "durability": "strict",
          "leaseSeconds": 30,
          "defaults": { "stepTimeoutMs": 60000, "runTimeoutSeconds": 3600 },
          "workflows": "workflows"
        }

        """

    static let readme = """
        This is a droprun root.

          inbox/              drop one *.json request per run here (write .NAME.tmp, then rename)
          outbox/results/     final records, one per run
          outbox/running/     live records of unfinished runs
          outbox/requests/    the exact bytes that were dropped
          outbox/rejected/    files that could not be accepted, each with NAME.error.json
          outbox/audit/       the hash-chained audit log (droprun audit verify)
          artifacts/RUN_ID/   files the runs wrote, with manifest.json
          droprun.json        settings (the defaults are written out; delete what you do not change)
          example-request.json   a request to try:

            droprun submit example-request.json && droprun run --once && droprun show hello-droprun

        """

    static func run(_ context: CommandContext) async throws -> ExitCode {
        let dir = context.parsed.argument("dir").map(context.absolute) ?? context.root
        let fs = context.fs
        if let (outer, folder) = RootLayout.enclosingRoot(of: dir, fileSystem: fs) {
            throw CLIError.cannotMakeRoot(dir: dir, .insideRoot(root: outer, folder: folder))
        }
        do {
            if let info = try fs.info(dir), info.type != .directory, (try? fs.info(dir + "/."))??.type != .directory {
                throw CLIError.cannotMakeRoot(dir: dir, .notAFolder(info.type))
            }
            try fs.makeDirectory(dir)
            try RootLayout(root: dir).createFolders(fs)
            try fs.makeDirectory(Path.join(dir, "workflows"))
            // A root without results has a complete (empty) index: marked built now, so stats, report and list read it
            // from the first run on instead of warning that it is not built (an existing root's results are indexed
            // by its next runner, as before).
            let layout = RootLayout(root: dir)
            let builder = IndexBuilder(layout: layout, fileSystem: fs, clock: context.environment.clock, durable: false, isLive: { _ in true })
            if !builder.isBuilt, try fs.list(layout.results).isEmpty { _ = try builder.ensureBuilt() }
        } catch let error as FileSystemError {
            throw explain(error, dir: dir, fs: fs)
        }
        var created: [String] = []
        for (name, text) in [
            (Configuration.fileName, exampleConfiguration), ("example-request.json", exampleRequest), ("README.droprun.txt", readme),
        ] {
            let path = Path.join(dir, name)
            if fs.exists(path) { continue }
            try fs.writeNew(path, Array(text.utf8), sync: false)
            created.append(name)
        }
        context.out.line("droprun root ready at \(dir)")
        for name in created { context.out.line("  wrote \(name)") }
        let layout = RootLayout(root: dir)
        if fs.exists(layout.request(exampleRunId)) || fs.exists(Path.join(layout.inbox, exampleRunId + ".json")) {
            // Submitting the example again would be refused as a duplicate: point at what is there instead.
            context.out.line(
                "The example was already submitted here (run \(exampleRunId)): droprun --root \(dir) show \(exampleRunId), or droprun --root \(dir) list"
            )
        } else {
            context.out.line("Try: droprun --root \(dir) submit \(Path.join(dir, "example-request.json")) && droprun --root \(dir) run --once")
        }
        return .success
    }

    /// The example request's run id.
    static let exampleRunId = "hello-droprun"

    /// A failure to create the root's folders, in words: which part of the path is in the way, or what was refused.
    static func explain(_ error: FileSystemError, dir: String, fs: any FileSystem) -> CLIError {
        var ancestor = Path.parent(error.path)
        while ancestor != "/" && !ancestor.isEmpty {
            if let info = try? fs.info(ancestor), info.type != .directory {
                return .cannotMakeRoot(dir: dir, .ancestorNotAFolder(ancestor, info.type))
            }
            ancestor = Path.parent(ancestor)
        }
        let reason = String(cString: strerror(error.code)).lowercased()
        return .cannotMakeRoot(dir: dir, .refused(path: error.path, reason: reason))
    }
}
