import Foundation

/// Reads `droprun.json` again under a running `watch` when it changed (or on SIGHUP), and says what that changed.
///
/// One `lstat` per housekeeping look (size, modification time, inode); the
/// file is read only when those changed, or when a reload is asked for. A
/// valid new file gives the configuration for new admissions (runs in flight
/// keep the one they were admitted with): the command line's values still win
/// over it, and the keys a running process cannot change
/// (`ConfigurationChange.restartOnly`) keep their running values, named in
/// the line as needing a restart. A file that cannot be used is refused,
/// naming each problem's key, and the running configuration stays.
struct ConfigurationWatch: Sendable {
    /// What one look led to.
    enum Outcome: Sendable, Equatable {
        /// Nothing to say: the file did not change, or only its time did.
        case unchanged
        /// The file was read: `configuration` is the one for new admissions (it may equal the running one); `line` says so.
        case reloaded(Configuration, line: String)
        /// The file cannot be used; the running configuration stays; `line` names each problem's key.
        case refused(line: String)

        /// The line to log, if any.
        var line: String? {
            switch self {
            case .unchanged: nil
            case .reloaded(_, let line), .refused(let line): line
            }
        }
    }

    /// Why the file is read.
    enum Reason: Sendable, Equatable {
        /// Housekeeping: only when `lstat` says it changed.
        case look
        /// SIGHUP: read whatever `lstat` says, and answer with a line even when nothing changed.
        case signal
    }

    /// What `lstat` says of the file; nil when there is none.
    private struct Stamp: Equatable, Sendable {
        var size: Int64
        var modified: Date
        var inode: UInt64
    }

    private let root: String
    private let path: String
    private let fileSystem: any FileSystem
    /// The command line's values, which win over the file's.
    let overrides: ConfigurationOverrides
    /// The file's configuration (before the command line's values) as last read and used; nil when it was not usable at start.
    private var file: Configuration?
    /// True when the last read was refused (a later valid file is said to be in use, even if it is the old one again).
    private var refused = false
    private var seen: Stamp?

    /// Starts from the file as it is now (the runner's starting configuration was read from it).
    init(root: String, fileSystem: any FileSystem, overrides: ConfigurationOverrides) {
        self.root = root
        path = Path.join(root, Configuration.fileName)
        self.fileSystem = fileSystem
        self.overrides = overrides
        seen = Self.stamp(path, fileSystem)
        file = try? Configuration.load(root: root, fileSystem: fileSystem)
    }

    /// Reads the file again when it changed since the last look (or always, for `.signal`), given what runs now.
    mutating func check(_ reason: Reason = .look, running: Configuration) -> Outcome {
        let now = Self.stamp(path, fileSystem)
        guard now != seen || reason == .signal else { return .unchanged }
        seen = now
        let name = Configuration.fileName
        let why =
            reason == .signal ? " on SIGHUP" : now.map { " (modified \(Timestamp.format($0.modified)))" } ?? " (removed: the defaults apply)"
        let loaded: Configuration
        do {
            loaded = try Configuration.load(root: root, fileSystem: fileSystem)
        } catch {
            refused = true
            let problems = error.issues.map(\.description).joined(separator: "; ")
            return .refused(line: "\(name) refused\(why): \(problems); this runner keeps its configuration until the file is fixed")
        }
        // Touched, or written again the same: nothing to say (unless asked, or after a refusal).
        if loaded == file, reason == .look, !refused { return .unchanged }
        let previousFile = file
        file = loaded
        refused = false

        let wanted = overrides.applied(to: loaded)
        let next = ConfigurationChange.keepingRestartOnly(wanted, from: running)
        let changes = ConfigurationChange.between(running, next)
        let pending = ConfigurationChange.between(running, wanted).filter(\.needsRestart)
        // The file now says otherwise than before for a key the command line sets: the command line still wins.
        let flagged = overrides.given.filter { given in
            guard let previousFile else { return true }
            return ConfigurationChange.between(previousFile, loaded).contains { $0.key == given.key }
        }.filter { given in ConfigurationChange.between(wanted, loaded).contains { $0.key == given.key } }

        var line = "\(name) reloaded\(why): "
        line += changes.isEmpty ? "no change for new runs" : changes.map(\.description).joined(separator: ", ")
        if !pending.isEmpty { line += "; needs a restart: " + pending.map(\.description).joined(separator: ", ") }
        if !flagged.isEmpty { line += "; the command line wins: " + flagged.map(\.flag).joined(separator: ", ") }
        return .reloaded(next, line: line)
    }

    private static func stamp(_ path: String, _ fileSystem: any FileSystem) -> Stamp? {
        guard let info = try? fileSystem.info(path) else { return nil }
        return Stamp(size: info.size, modified: info.modified, inode: info.inode)
    }
}
