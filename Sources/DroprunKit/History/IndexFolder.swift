/// `outbox/index` itself: the history index is off while something other than a folder stands there.
///
/// The index is derived data, so a file or a symbolic link left at
/// `outbox/index` (a mistaken `cp`, a link to another disk) never stops a
/// runner: it runs on without an index (no lines, no marker), and queries
/// read `outbox/results/` as on a root that was never indexed. A link is not
/// followed: the index must be the root's own folder, as every other folder of
/// the root is.
public enum IndexFolder {
    /// What stands at `outbox/index` when it is not a folder (`a file`, `a symbolic link`); nil for a folder or nothing.
    public static func problem(layout: RootLayout, fileSystem: any FileSystem) -> String? {
        guard let info = try? fileSystem.info(layout.index), info.type != .directory else { return nil }
        return info.type.phrase
    }

    /// What a runner warns once and `reindex` says when the index is off.
    public static func offMessage(_ what: String) -> String {
        "outbox/index is not a folder (it is \(what)): the history index is off until it is moved away; list reads outbox/results/"
    }
}
