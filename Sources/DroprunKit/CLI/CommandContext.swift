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
        guard let given = givenRoot else { return environment.workingDirectory }
        return absolute(given)
    }

    /// `--root`, else a non-empty `$DROPRUN_ROOT`.
    private var givenRoot: String? {
        parsed.value("root") ?? environment.variables["DROPRUN_ROOT"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// True when the root came from `$DROPRUN_ROOT`.
    var rootFromEnvironment: Bool {
        parsed.value("root") == nil && givenRoot != nil
    }

    var layout: RootLayout { RootLayout(root: root) }

    /// Fails with a usage error unless the root is a droprun root: a folder with `inbox/` or `droprun.json`.
    ///
    /// Only `init` makes a root, so a command run in the wrong folder (a cron
    /// line without a `cd`) never scatters `inbox/ outbox/ artifacts/` there.
    /// In a root, the other missing folders are created (best effort: a
    /// reader without write access can still read).
    func requireRoot() throws(CLIError) {
        let root = self.root
        guard var info = try? fs.info(root) else { throw .notARoot(root: root, fromEnvironment: rootFromEnvironment, .missing) }
        // A link to a folder is a folder here: "DIR/." is the folder it leads to.
        if info.type == .symlink, let target = try? fs.info(root + "/.") { info = target }
        guard info.type == .directory else { throw .notARoot(root: root, fromEnvironment: rootFromEnvironment, .notAFolder(info.type)) }
        let inbox = (try? fs.info(layout.inbox))?.type == .directory
        guard inbox || fs.exists(Path.join(root, Configuration.fileName)) else {
            if let (outer, folder) = RootLayout.enclosingRoot(of: root, fileSystem: fs) {
                throw .notARoot(root: root, fromEnvironment: rootFromEnvironment, .insideRoot(root: outer, folder: folder))
            }
            throw .notARoot(root: root, fromEnvironment: rootFromEnvironment, .noInboxOrConfiguration)
        }
        for folder in layout.folders { _ = try? fs.makeDirectory(folder) }
    }

    /// A path made absolute against the working folder.
    func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : Path.join(environment.workingDirectory, path)
    }

    /// `droprun.json` with command-line flags applied.
    func configuration() throws(CLIError) -> Configuration {
        let file: Configuration
        do {
            file = try Configuration.load(root: root, fileSystem: fs)
        } catch {
            throw .configuration(error)
        }
        return try overrides().applied(to: file)
    }

    /// The command-line flags that win over `droprun.json` (`watch` applies them again after each reload).
    func overrides() throws(CLIError) -> ConfigurationOverrides {
        var overrides = ConfigurationOverrides()
        do {
            overrides.concurrency = try parsed.intValue("concurrency", range: 1...256)
            overrides.settleMs = try parsed.intValue("settle-ms", range: 0...3_600_000)
            overrides.maxRequestBytes = try parsed.intValue("max-request-bytes", range: 1...(1 << 30))
        } catch {
            throw .usage(error.description)
        }
        if let d = parsed.value("durability") {
            guard let durability = Durability(rawValue: d) else {
                throw .usage("invalid value '\(d)' for '--durability': expected 'strict' or 'fast'")
            }
            overrides.durability = durability
        }
        return overrides
    }

    /// An engine over this root.
    func engine(_ configuration: Configuration) -> EngineContext {
        let layout = self.layout
        var engine = EngineContext(
            layout: layout, fileSystem: fs, clock: environment.clock, configuration: configuration, registry: environment.registry,
            identity: environment.identity,
            audit: AuditLog(
                folder: layout.audit, runner: environment.identity, startedAt: environment.clock.now(), fileSystem: fs,
                segmentBytes: configuration.auditSegmentBytes, durable: configuration.durability == .strict))
        engine.environment = environment.variables
        engine.launcher = environment.launcher
        engine.http = environment.http
        engine.warnings = RunnerWarnings(sink: err, clock: environment.clock)
        return engine
    }

    /// Judges runners' leases for the reading commands (the configuration's `leaseSeconds`, else the default).
    var liveness: Liveness {
        engine((try? Configuration.load(root: root, fileSystem: fs)) ?? Configuration()).liveness
    }

    /// Commands that only read the root: they work without the configuration, but say when it is broken.
    static let readingCommands: Set<[String]> = [["list"], ["status"], ["show"], ["artifacts"], ["audit"], ["audit", "verify"], ["report"]]

    /// Warns on standard error (once: a command loads it here only) when `droprun.json` cannot be used, and reads on.
    ///
    /// A reading command needs nothing from the configuration, but a broken one
    /// stops `watch`, `run --once` and `submit`, so it must not go unnoticed.
    func warnAboutConfiguration() {
        do {
            _ = try Configuration.load(root: root, fileSystem: fs)
        } catch {
            let problems = error.issues.map(\.description).joined(separator: "; ")
            err.line(
                "droprun: warning: \(layout.relative(error.file)) cannot be used (\(problems)); reading on, but watch, run --once and submit refuse it until it is fixed"
            )
        }
    }

    /// Who is at the keyboard, for `--by`: `$USER`, else `$LOGNAME`, else the login name of the process's user, else `cli`.
    var loginName: String {
        for key in ["USER", "LOGNAME"] {
            if let name = environment.variables[key], !name.isEmpty { return name }
        }
        if let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name, name.pointee != 0 { return String(cString: name) }
        return "cli"
    }

    /// Writes a JSON value to standard output (pretty).
    func printJSON(_ value: JSONValue) {
        out.write(JSONWriter.pretty(value))
    }
}
