/// What inotify said about one name in the inbox.
enum InboxEventKind: Sendable, Equatable {
    /// Renamed into the folder (`IN_MOVED_TO`): complete at once.
    case renamedIn
    /// Created (`IN_CREATE`): by a writer that opened it (its writes follow), or whole, by `link(2)` (as `droprun
    /// submit` drops), `mkdir`, `ln -s` or `mkfifo`, after which nothing more comes.
    case created
    /// Written in place (`IN_MODIFY`): a writer has it open.
    case written
    /// A writer closed it (`IN_CLOSE_WRITE`).
    case closed
    /// Its times or mode changed (`IN_ATTRIB`), as `tar`, `unzip` and `rsync` do right after closing.
    case attributes
}

/// One inotify event, by name.
struct InboxEvent: Sendable, Equatable {
    /// The name in the folder.
    var name: String
    /// What happened.
    var kind: InboxEventKind
}
