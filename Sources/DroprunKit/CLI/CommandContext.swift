import Foundation

/// What a command handler works with: the environment, the parsed command line and the root.
struct CommandContext: Sendable {
    let environment: CLIEnvironment
    let parsed: ParsedCommand

    var out: any OutputSink { environment.standardOutput }
    var err: any OutputSink { environment.standardError }
    var fs: any FileSystem { environment.fileSystem }
    var json: Bool { parsed.flag("json") }

    /// The root: `--root`, else `$DROPRUN_ROOT`, else the working folder.
    var root: String {
        let given = parsed.value("root") ?? environment.variables["DROPRUN_ROOT"].flatMap { $0.isEmpty ? nil : $0 }
        guard let given else { return environment.workingDirectory }
        return absolute(given)
    }

    var layout: RootLayout { RootLayout(root: root) }

    /// Fails with a usage error when the root is not a folder.
    func requireRoot() throws(CLIError) {
        guard let info = try? fs.info(root), info.type == .directory else {
            throw .usage("the root '\(root)' is not a folder; pass --root DIR, set DROPRUN_ROOT, or run 'droprun init \(root)'")
        }
    }

    /// A path made absolute against the working folder.
    func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : Path.join(environment.workingDirectory, path)
    }

    /// `droprun.json` with command-line flags applied.
    func configuration() throws(CLIError) -> Configuration {
        try requireRoot()
        var config: Configuration
        do {
            config = try Configuration.load(root: root, fileSystem: fs)
        } catch {
            throw .configuration(error)
        }
        do {
            if let n = try parsed.intValue("concurrency", range: 1...256) { config.concurrency = n }
            if let n = try parsed.intValue("settle-ms", range: 0...3_600_000) { config.settleMs = n }
            if let n = try parsed.intValue("max-request-bytes", range: 1...(1 << 30)) { config.maxRequestBytes = n }
        } catch {
            throw .usage(error.description)
        }
        if let d = parsed.value("durability") {
            guard let durability = Durability(rawValue: d) else {
                throw .usage("invalid value '\(d)' for '--durability': expected 'strict' or 'fast'")
            }
            config.durability = durability
        }
        return config
    }

    /// An engine over this root.
    func engine(_ configuration: Configuration) -> EngineContext {
        let layout = self.layout
        var engine = EngineContext(
            layout: layout, fileSystem: fs, clock: environment.clock, configuration: configuration, registry: environment.registry,
            identity: environment.identity,
            audit: AuditLog(folder: layout.audit, runner: environment.identity, startedAt: environment.clock.now(), fileSystem: fs))
        engine.environment = environment.variables
        engine.launcher = environment.launcher
        engine.warnings = RunnerWarnings(sink: err)
        return engine
    }

    /// Writes a JSON value to standard output (pretty).
    func printJSON(_ value: JSONValue) {
        out.write(JSONWriter.pretty(value))
    }
}
