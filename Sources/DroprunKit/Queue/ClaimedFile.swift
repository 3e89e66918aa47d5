import Foundation

/// A file taken from the inbox, now in this runner's claim folder.
struct ClaimedFile: Sendable {
    /// The name it was dropped under.
    var name: String
    /// Where it is now.
    var path: String
    /// When it was taken.
    var claimedAt: Date
    /// The dead runner (its folder name) whose claim folder this was taken over from: it may have been
    /// applied already, if it is a control message, or run to its result.
    var recoveredFrom: String?
    /// Taken over from a dead runner's claim folder.
    var recovered: Bool { recoveredFrom != nil }
    /// Its arrival does not show it is whole (no inotify event said so): when it does not parse, it may be half-written,
    /// and admission says `incomplete` instead of rejecting it (see `HeldClaims`).
    var mayBeIncomplete = false
}
