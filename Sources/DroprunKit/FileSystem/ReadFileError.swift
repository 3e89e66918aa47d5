/// Why a request file could not be read.
public enum ReadFileError: Error, Equatable, Sendable {
    /// The path does not exist (another runner took it).
    case notFound
    /// It is not a regular file; it was not followed or opened for reading.
    case notRegular(FileType)
    /// It is larger than allowed; it was not read.
    case tooLarge(size: Int64, limit: Int)
    /// The system refused to open or read it.
    case unreadable(FileSystemError)
}
