/// A file in the inbox that may be taken.
public struct InboxCandidate: Sendable, Equatable {
    /// The file's name.
    public var name: String
    /// What `lstat` saw.
    public var info: FileInfo
    /// The name's bytes when they are not UTF-8 (`name` is then an escaped form).
    public var rawName: [UInt8]?
}
