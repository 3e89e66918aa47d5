/// A command's failure: every command throws one (or an error `CLI.run` turns into one), and `CLI.run` alone
/// prints it and ends with its exit code.
///
/// The words are `description`, the exit code `exitCode`, the `--json` output's `error.code` is `kind`: each is
/// one switch here, so a command never prints an error or picks a code itself.
public enum CLIError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The command line was wrong (exit 2): the message says what to fix.
    case usage(String)
    /// The root is not a droprun root (exit 2): `root` as given, whether it came from `$DROPRUN_ROOT`, and why.
    case notARoot(root: String, fromEnvironment: Bool, NotARoot)
    /// `init` cannot make a root at `dir` (exit 2 when something other than a folder is in the way, else 1).
    case cannotMakeRoot(dir: String, CannotMakeRoot)
    /// `droprun.json` is wrong (exit 2).
    case configuration(ConfigurationError)
    /// A run, or what was asked of one, does not exist (exit 1): the message names it.
    case notFound(String)
    /// A file named on the command line does not exist (exit 1).
    case fileNotFound(path: String)
    /// A file named on the command line cannot be used as a request (exit 1): not a regular file, too large, unreadable.
    case unusableFile(Rejection)
    /// `submit`: the request has more bytes than `maxRequestBytes` allows (exit 1).
    case tooLarge(bytes: Int, limit: Int)
    /// `submit`: the request was rejected as a runner would reject it (exit 1); `file` as the command line named it.
    case notSubmitted(file: String, Rejection)
    /// `submit`: a run with this id exists already (exit 1); `existing` is where, relative to the root.
    case duplicateRun(runId: String, existing: String)
    /// `submit`: a file of this name waits in the inbox already (exit 1).
    case alreadyWaiting(inboxName: String)
    /// The disk refused (exit 1).
    case fileSystem(FileSystemError)
    /// The command could not do what was asked (exit 1): the message says why and what to do.
    case failed(String)
    /// A run's record is there but cannot be read (exit 1): its path (relative to the root), the run and why.
    case unreadableRecord(path: String, runId: String, reason: String)

    /// Why a folder is not a droprun root.
    public enum NotARoot: Sendable, Equatable {
        /// Nothing is there.
        case missing
        /// Something other than a folder is there.
        case notAFolder(FileType)
        /// A folder with neither `inbox/` nor `droprun.json`.
        case noInboxOrConfiguration
        /// A folder inside the run data (`folder`: inbox, outbox or artifacts) of the root `root`.
        case insideRoot(root: String, folder: String)
    }

    /// Why `init` cannot make a root.
    public enum CannotMakeRoot: Sendable, Equatable {
        /// The folder itself is something else.
        case notAFolder(FileType)
        /// A folder on the way there is something else: its path and what it is.
        case ancestorNotAFolder(String, FileType)
        /// The disk refused to create `path`, for `reason` (the system's words).
        case refused(path: String, reason: String)
        /// The folder is inside the run data (`folder`) of the root `root`, whose runner would take the new root's files as drops.
        case insideRoot(root: String, folder: String)
    }

    /// The kind of failure: the `--json` output's `error.code`.
    public enum Kind: String, Sendable, CaseIterable {
        /// The command line or the root was wrong.
        case usage
        /// `droprun.json` is wrong.
        case configuration
        /// What the command needs does not exist.
        case notFound = "not_found"
        /// The disk refused.
        case fileSystem = "file_system"
        /// The command could not do what was asked.
        case failed
        /// A run's record cannot be read.
        case unreadableRecord = "unreadable_record"
    }

    /// The kind of this failure.
    public var kind: Kind {
        switch self {
        case .usage, .notARoot: .usage
        case .cannotMakeRoot(_, .refused): .failed
        case .cannotMakeRoot: .usage
        case .configuration: .configuration
        case .notFound, .fileNotFound: .notFound
        case .fileSystem: .fileSystem
        case .failed, .unusableFile, .tooLarge, .notSubmitted, .duplicateRun, .alreadyWaiting: .failed
        case .unreadableRecord: .unreadableRecord
        }
    }

    /// The exit code this error ends the process with.
    public var exitCode: ExitCode {
        switch kind {
        case .usage, .configuration: .usage
        case .notFound, .fileSystem, .failed, .unreadableRecord: .failure
        }
    }

    public var description: String {
        switch self {
        case .usage(let m): m
        case .notARoot(let root, let fromEnvironment, let problem):
            "not a droprun root: \(root)\(fromEnvironment ? " (from $DROPRUN_ROOT)" : "")" + Self.describe(problem, root: root)
        case .cannotMakeRoot(let dir, let problem):
            switch problem {
            case .notAFolder(let type): "cannot make a droprun root at \(dir): it is \(type.phrase), not a folder; give a new or existing folder"
            case .ancestorNotAFolder(let ancestor, let type):
                "cannot make a droprun root at \(dir): \(ancestor) is \(type.phrase), not a folder; give a new or existing folder"
            case .refused(let path, let reason):
                "cannot make a droprun root at \(dir): cannot create \(path) (\(reason)); give a folder you may write to"
            case .insideRoot(let root, let folder):
                "cannot make a droprun root at \(dir): it is inside \(folder)/ of the droprun root \(root), whose runner would take its files as drops; "
                    + "give a folder outside \(root)/\(folder)"
            }
        case .configuration(let e):
            // Only point at a key when one is named: a syntax error names a place in the file instead.
            e.issues.contains { $0.path != nil }
                ? e.description + "\nFix the key named above; every key of droprun.json is listed in the README."
                : e.description + "\nFix droprun.json as said above (it must be one JSON object); every key is listed in the README."
        case .notFound(let m): m
        case .fileNotFound(let path): "no file '\(path)'"
        case .unusableFile(let rejection): rejection.description
        case .tooLarge(let bytes, let limit): "too_large: the request has \(bytes) bytes; the limit (maxRequestBytes) is \(limit)"
        case .notSubmitted(let file, let rejection):
            (["\(file) was not submitted: \(rejection.reason.rawValue)"] + rejection.issues.map { "  \($0)" }).joined(separator: "\n")
        case .duplicateRun(let runId, let existing):
            "duplicate: run '\(runId)' already exists (\(existing)); to run it again use 'droprun retry \(runId)'"
        case .alreadyWaiting(let name): "duplicate: inbox/\(name) is already waiting to run"
        case .fileSystem(let e): "file system error: \(e)"
        case .failed(let m): m
        case .unreadableRecord(let path, let runId, let reason):
            "the record of run '\(runId)' is unreadable: \(path): \(reason). Nothing was changed. Look at the file (it should be the JSON record droprun wrote); "
                + "if it is damaged, move it out of outbox/ and submit the kept request (outbox/requests/\(runId).json) again under a new id"
        }
    }

    private static func describe(_ problem: NotARoot, root: String) -> String {
        let fix = "create one with droprun init \(root), or pass --root"
        return switch problem {
        case .missing: " does not exist (\(fix))"
        case .notAFolder(let type): " is \(type.phrase), not a folder (pass --root DIR)"
        case .noInboxOrConfiguration: " (\(fix))"
        case .insideRoot(let outer, let folder):
            " (it is inside \(folder)/ of the droprun root \(outer): pass --root \(outer), or run droprun from there)"
        }
    }
}
