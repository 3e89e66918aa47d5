import Foundation

/// What `lstat` reports about a path.
public struct FileInfo: Sendable, Equatable {
    /// The kind of entry.
    public var type: FileType
    /// Size in bytes.
    public var size: Int64
    /// Last modification time.
    public var modified: Date
    /// Inode number, to tell whether two names are one file.
    public var inode: UInt64
    /// The device the file is on (with `inode`, says which file it is).
    public var device: UInt64
    /// The owner's user id.
    public var owner: UInt32
    /// The permission bits (`st_mode & 0o7777`).
    public var permissions: UInt32

    public init(
        type: FileType, size: Int64, modified: Date, inode: UInt64 = 0, owner: UInt32 = 0, permissions: UInt32 = 0o644, device: UInt64 = 0
    ) {
        self.type = type
        self.size = size
        self.modified = modified
        self.inode = inode
        self.device = device
        self.owner = owner
        self.permissions = permissions
    }

    /// True when someone other than its owner may write the file (group or others have write permission).
    public var isWritableByOthers: Bool { permissions & 0o022 != 0 }
}
