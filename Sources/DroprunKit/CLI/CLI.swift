/// droprun's command line: parses, dispatches, and maps every error to a message and an exit code.
public enum CLI {
    /// droprun's version.
    public static let version = "0.1.0"

    /// Runs one command line (without the program name) and returns its exit code. Never prints
    /// except through `environment`'s sinks; never exits.
    ///
    /// When this process was started as an `exec` step's shim (`ExecShim`:
    /// `argv[0]` is `droprun-exec-shim`), it becomes the step's command
    /// first thing, whatever `arguments` say, and returns `.failure` only when
    /// the command could not be started (the runner learnt why through the
    /// shim's report): so a program embedding droprun needs nothing but this call.
    public static func run(arguments: [String], environment: CLIEnvironment) async -> ExitCode {
        if ExecShim.runIfRequested(CommandLine.arguments) != nil { return .failure }
        let parser = ArgumentParser(root: CommandTable.root, globalOptions: CommandTable.globalOptions)
        let parsed: ParsedCommand
        do {
            switch try parser.parse(arguments) {
            case .help(let path) where !ParseSession.helpRequested(in: arguments[...]):
                // `droprun` or `droprun fixtures` alone: a command is missing, which is a usage error.
                environment.standardError.line(parser.helpText(for: path))
                environment.standardError.line("")
                environment.standardError.line("droprun: missing command; see the list above, or droprun --help")
                return .usage
            case .help(let path):
                environment.standardOutput.line(parser.helpText(for: path))
                return .success
            case .version:
                environment.standardOutput.line("droprun \(version)")
                return .success
            case .run(let command):
                parsed = command
            }
        } catch {
            return report(.usage(error.description), json: false, environment)
        }
        guard let handler = CommandTable.handler(for: parsed.path) else {
            environment.standardOutput.line(parser.helpText(for: parsed.path))
            return .usage
        }
        let context = CommandContext(environment: environment, parsed: parsed)
        do {
            if parsed.path != ["init"] { try context.requireRoot() }
            if CommandContext.readingCommands.contains(parsed.path) { context.warnAboutConfiguration() }
            return try await handler(context)
        } catch {
            return report(cliError(error), json: parsed.flag("json"), environment)
        }
    }

    /// Any error a command throws, as the `CLIError` that says it.
    static func cliError(_ error: any Error) -> CLIError {
        switch error {
        case let error as CLIError: error
        case let error as ParseError: .usage(error.description)
        case let error as FileSystemError: .fileSystem(error)
        default: .failed("\(error)")
        }
    }

    /// The one place a failure is printed and its exit code chosen.
    private static func report(_ failure: CLIError, json: Bool, _ environment: CLIEnvironment) -> ExitCode {
        environment.standardError.line("droprun: \(failure.description)")
        if json {
            // A program reading --json output gets the failure as JSON too, on the same stream.
            environment.standardOutput.write(
                JSONWriter.pretty(["error": ["code": .string(failure.kind.rawValue), "message": .string(failure.description)]]))
        }
        return failure.exitCode
    }
}
