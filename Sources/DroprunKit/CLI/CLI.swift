/// droprun's command line: parses, dispatches, and maps every error to a message and an exit code.
public enum CLI {
    /// droprun's version.
    public static let version = "0.1.0"

    /// Runs one command line (without the program name) and returns its exit code. Never prints
    /// except through `environment`'s sinks; never exits.
    public static func run(arguments: [String], environment: CLIEnvironment) async -> ExitCode {
        let parser = ArgumentParser(root: CommandTable.root, globalOptions: CommandTable.globalOptions)
        let parsed: ParsedCommand
        do {
            switch try parser.parse(arguments) {
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
            environment.standardError.line("droprun: \(error.description)")
            return .usage
        }
        guard let handler = CommandTable.handler(for: parsed.path) else {
            environment.standardOutput.line(parser.helpText(for: parsed.path))
            return .usage
        }
        let context = CommandContext(environment: environment, parsed: parsed)
        do {
            if parsed.path != ["init"] { try context.requireRoot() }
            return try await handler(context)
        } catch let error as CLIError {
            environment.standardError.line("droprun: \(error.description)")
            return error.exitCode
        } catch let error as ParseError {
            environment.standardError.line("droprun: \(error.description)")
            return .usage
        } catch let error as FileSystemError {
            environment.standardError.line("droprun: \(CLIError.fileSystem(error).description)")
            return .failure
        } catch {
            environment.standardError.line("droprun: \(error)")
            return .failure
        }
    }
}
