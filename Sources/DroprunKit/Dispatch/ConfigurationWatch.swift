import Foundation

/// Notices, cheaply, that `droprun.json` changed under a running `watch`, and says what that means.
///
/// A `watch` reads its configuration once, when it starts, and keeps it: a
/// configuration swapped under runs in flight (a smaller `leaseSeconds`,
/// another `durability`, an exec alias removed) would change the rules of
/// work already admitted. `submit` and `validate` read the file each time,
/// though, so an operator who edits it must be told that the runner did not
/// follow, and when the new file is broken, what is wrong with it before a
/// restart refuses it. One `lstat` per housekeeping look (size, modification
/// time, inode); the file is read only when those changed.
struct ConfigurationWatch: Sendable {
    /// What `lstat` says of the file; nil when there is none.
    private struct Stamp: Equatable, Sendable {
        var size: Int64
        var modified: Date
        var inode: UInt64
    }

    private let root: String
    private let path: String
    private let fileSystem: any FileSystem
    /// The file's configuration when the runner started (before command-line flags), nil when it was not usable.
    private let started: Configuration?
    private var seen: Stamp?

    init(root: String, fileSystem: any FileSystem) {
        self.root = root
        path = Path.join(root, Configuration.fileName)
        self.fileSystem = fileSystem
        started = try? Configuration.load(root: root, fileSystem: fileSystem)
        seen = Self.stamp(path, fileSystem)
    }

    /// A line to say when the file changed since the last look (and does not read as the configuration in use); else nil.
    mutating func check() -> String? {
        let now = Self.stamp(path, fileSystem)
        guard now != seen else { return nil }
        seen = now
        let keeps = "this runner keeps the configuration it started with until it is restarted"
        let when = now.map { " (modified \(Timestamp.format($0.modified)))" } ?? " (removed)"
        do {
            let loaded = try Configuration.load(root: root, fileSystem: fileSystem)
            // Touched, or changed back: nothing a restart would change.
            if loaded == started { return nil }
            return "\(Configuration.fileName) changed\(when); \(keeps)"
        } catch {
            let problems = error.issues.map(\.description).joined(separator: "; ")
            return
                "\(Configuration.fileName) changed\(when) and cannot be used: \(problems); \(keeps), and a restart would refuse the file until it is fixed"
        }
    }

    private static func stamp(_ path: String, _ fileSystem: any FileSystem) -> Stamp? {
        guard let info = try? fileSystem.info(path) else { return nil }
        return Stamp(size: info.size, modified: info.modified, inode: info.inode)
    }
}
