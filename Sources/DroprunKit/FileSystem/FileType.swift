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
