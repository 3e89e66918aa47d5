/// A command's failure, mapped to a message and an exit code in one place.
public enum CLIError: Error, Sendable, CustomStringConvertible {
    /// The command line was wrong (exit 2).
    case usage(String)
    /// `droprun.json` is wrong (exit 2).
    case configuration(ConfigurationError)
    /// A run, file or folder the command needs does not exist (exit 1).
    case notFound(String)
    /// The disk refused (exit 1).
    case fileSystem(FileSystemError)
    /// The command could not do what was asked (exit 1).
    case failed(String)

    public var description: String {
        switch self {
        case .usage(let m): m
        case .configuration(let e): e.description + "\nFix the key named above; every key of droprun.json is listed in the README."
        case .notFound(let m): m
        case .fileSystem(let e): "file system error: \(e)"
        case .failed(let m): m
        }
    }

    /// The exit code this error ends the process with.
    public var exitCode: ExitCode {
        switch self {
        case .usage, .configuration: .usage
        case .notFound, .fileSystem, .failed: .failure
        }
    }
}
