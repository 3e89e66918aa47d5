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
    /// A run's record is there but cannot be read (exit 1): its path (relative to the root), the run and why.
    case unreadableRecord(path: String, runId: String, reason: String)

    public var description: String {
        switch self {
        case .usage(let m): m
        case .configuration(let e):
            // Only point at a key when one is named: a syntax error names a place in the file instead.
            e.issues.contains { $0.path != nil }
                ? e.description + "\nFix the key named above; every key of droprun.json is listed in the README."
                : e.description + "\nFix droprun.json as said above (it must be one JSON object); every key is listed in the README."
        case .notFound(let m): m
        case .fileSystem(let e): "file system error: \(e)"
        case .failed(let m): m
        case .unreadableRecord(let path, let runId, let reason):
            "the record of run '\(runId)' is unreadable: \(path): \(reason). Nothing was changed. Look at the file (it should be the JSON record droprun wrote); "
                + "if it is damaged, move it out of outbox/ and submit the kept request (outbox/requests/\(runId).json) again under a new id"
        }
    }

    /// The exit code this error ends the process with.
    public var exitCode: ExitCode {
        switch self {
        case .usage, .configuration: .usage
        case .notFound, .fileSystem, .failed, .unreadableRecord: .failure
        }
    }

    /// One word for the kind of failure, as `--json` output's `error.code` gives it.
    public var code: String {
        switch self {
        case .usage: "usage"
        case .configuration: "configuration"
        case .notFound: "not_found"
        case .fileSystem: "file_system"
        case .failed: "failed"
        case .unreadableRecord: "unreadable_record"
        }
    }
}
