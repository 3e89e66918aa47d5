import Foundation

/// The kind of a directory entry, as `lstat` sees it (links are not followed).
public enum FileType: String, Sendable, Equatable {
    /// A regular file.
    case regular
    /// A directory.
    case directory
    /// A symbolic link (never followed).
    case symlink
    /// A named pipe; opening one for reading would block.
    case fifo
    /// A Unix socket.
    case socket
    /// A character device.
    case characterDevice = "character_device"
    /// A block device.
    case blockDevice = "block_device"
    /// Anything else.
    case unknown
}

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
    /// The owner's user id.
    public var owner: UInt32
    /// The permission bits (`st_mode & 0o7777`).
    public var permissions: UInt32

    public init(type: FileType, size: Int64, modified: Date, inode: UInt64 = 0, owner: UInt32 = 0, permissions: UInt32 = 0o644) {
        self.type = type
        self.size = size
        self.modified = modified
        self.inode = inode
        self.owner = owner
        self.permissions = permissions
    }

    /// True when someone other than its owner may write the file (group or others have write permission).
    public var isWritableByOthers: Bool { permissions & 0o022 != 0 }
}

/// One name in a directory listing.
public struct DirectoryEntry: Sendable, Equatable {
    /// The name, without the folder.
    public var name: String
    /// The kind, when the listing reported it (`d_type`); nil means ask `lstat`.
    public var type: FileType?
    /// The name's bytes, when they are not UTF-8 (`name` then escapes each such byte as `%XX`).
    public var rawName: [UInt8]?

    public init(name: String, type: FileType?, rawName: [UInt8]? = nil) {
        self.name = name
        self.type = type
        self.rawName = rawName
    }

    /// A name for bytes that are not UTF-8: printable ASCII kept, every other byte as `%XX`.
    public static func escapedName(_ bytes: [UInt8]) -> String {
        var text = ""
        for b in bytes {
            if b >= 0x20 && b < 0x7F && b != UInt8(ascii: "%") {
                text.append(Character(UnicodeScalar(b)))
            } else {
                let hex = String(b, radix: 16, uppercase: true)
                text += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return text
    }
}
