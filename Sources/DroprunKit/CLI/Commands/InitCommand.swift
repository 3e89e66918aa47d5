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
        if let info = try fs.info(dir), info.type != .directory, (try? fs.info(dir + "/."))??.type != .directory {
            throw CLIError.usage("cannot make a droprun root at \(dir): it is \(CommandContext.describe(info.type)), not a folder; give a new or existing folder")
        }
        try fs.makeDirectory(dir)
        let layout = RootLayout(root: dir)
        try layout.createFolders(fs)
        try fs.makeDirectory(Path.join(dir, "workflows"))
        var created: [String] = []
        for (name, text) in [(Configuration.fileName, exampleConfiguration), ("example-request.json", exampleRequest), ("README.droprun.txt", readme)] {
            let path = Path.join(dir, name)
            if fs.exists(path) { continue }
            try fs.writeNew(path, Array(text.utf8), sync: false)
            created.append(name)
        }
        context.out.line("droprun root ready at \(dir)")
        for name in created { context.out.line("  wrote \(name)") }
        context.out.line("Try: droprun --root \(dir) submit \(Path.join(dir, "example-request.json")) && droprun --root \(dir) run --once")
        return .success
    }
}
