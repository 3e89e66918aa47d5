/// Words for people wherever a read failure or a kind of file is put into a message (never Swift's case names).
extension ReadFileError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .notFound: "it does not exist"
        case .notRegular(let type): "it is \(type.phrase), not a regular file"
        case .tooLarge(let size, let limit): "it has \(size) bytes, more than the \(limit) allowed"
        case .unreadable(let error): "the system refused to read it: \(error)"
        }
    }
}

extension FileType {
    /// "a file", "a folder", "a symbolic link", ...: what is at a path, for messages.
    public var phrase: String {
        switch self {
        case .regular: "a file"
        case .directory: "a folder"
        case .symlink: "a symbolic link"
        case .fifo: "a named pipe"
        case .socket: "a socket"
        case .characterDevice, .blockDevice: "a device"
        case .unknown: "an unknown kind of file"
        }
    }
}
