import Foundation

/// The file operations droprun needs, and nothing more.
///
/// This is the one seam between droprun and the disk: the live implementation
/// (`PosixFileSystem`) calls `open`/`read`/`write`/`rename`/`fsync` directly,
/// and tests wrap it to inject faults at any operation. Paths are absolute or
/// relative to the process's working folder; droprun always passes paths under
/// its root.
public protocol FileSystem: Sendable {
    /// Names in a folder, without `.` and `..`.
    func list(_ directory: String) throws(FileSystemError) -> [DirectoryEntry]

    /// `lstat`: what is at `path`, or nil when nothing is. Links are not followed.
    func info(_ path: String) throws(FileSystemError) -> FileInfo?

    /// Reads a file that must be regular and at most `maxBytes` long.
    ///
    /// Opens with `O_NOFOLLOW | O_NONBLOCK`, so a symbolic link is refused and
    /// a FIFO never blocks, then checks with `fstat` before reading a byte.
    func readRegularFile(_ path: String, maxBytes: Int) throws(ReadFileError) -> [UInt8]

    /// Reads at most `count` bytes of a regular file from `offset` (`pread`), fewer at its end; as `readRegularFile`
    /// refuses links and FIFOs. For reading a large file (an index day, an audit segment) in pieces, from either end.
    func readRange(_ path: String, offset: Int64, count: Int) throws(ReadFileError) -> [UInt8]

    /// Replaces `path` whole: writes a hidden temporary file beside it, then renames.
    ///
    /// With `sync`, the file is flushed before the rename and its folder after,
    /// so the new content survives power loss once this returns.
    func writeAtomically(_ path: String, _ bytes: [UInt8], sync: Bool) throws(FileSystemError)

    /// Writes a new file at `path` whole, failing with `EEXIST` if one is there.
    ///
    /// Writes a hidden temporary file, then `link(2)`s it into place, so the
    /// file appears complete or not at all and an existing one is never
    /// replaced (a result, once written, stays). With `sync`, as `writeAtomically`.
    func writeNew(_ path: String, _ bytes: [UInt8], sync: Bool) throws(FileSystemError)

    /// Writes `bytes` to a new hidden temporary file beside `path` and returns its path (to publish later with `rename` or `link`).
    func writeTemporary(besides path: String, _ bytes: [UInt8]) throws(FileSystemError) -> String

    /// `rename(2)`: atomic on one file system; replaces a file at `to`.
    func rename(_ from: String, to: String) throws(FileSystemError)

    /// Publishes `from` (a finished temporary file) as the new version of `to`, atomically, as `rename` does.
    ///
    /// On Linux an existing `to` is swapped with `from` (`RENAME_EXCHANGE`) and
    /// the old version then unlinked. Readers see the old version or the new
    /// one, as with `rename`, but ext4 does not flush the new file's data
    /// first, as it does on every rename over an existing file (about 1 ms a
    /// replacement on these machines). If the process dies between the two
    /// steps, the old version is left under the hidden temporary name, which
    /// recovery sweeps. A folder at `to` is never swapped away. With
    /// `removeOld` false (for files only the caller writes) the old version is
    /// left there and its path returned (nil when there was none), for the
    /// caller to remove when it suits: freeing a file whose blocks are on disk
    /// can wait for the disk (a discard).
    @discardableResult
    func replace(_ from: String, to: String, removeOld: Bool) throws(FileSystemError) -> String?

    /// `rename(2)` of a folder entry whose name is not UTF-8 (given as bytes).
    func renameEntry(in directory: String, rawName: [UInt8], to: String) throws(FileSystemError)

    /// `link(2)`: gives `from` a second name; fails with `EEXIST` if `to` exists.
    ///
    /// With `unlink` of the old name afterwards, this is a move that never
    /// replaces anything, and it works on NFS, where exclusive creation did not always.
    func link(_ from: String, to: String) throws(FileSystemError)

    /// Removes a file (not a folder).
    func remove(_ path: String) throws(FileSystemError)

    /// Creates a folder and any missing parents; an existing folder is fine.
    /// Returns true when it made the folder, false when one was there.
    @discardableResult
    func makeDirectory(_ path: String) throws(FileSystemError) -> Bool

    /// Opens a file for appending (`O_APPEND`), creating it if needed.
    func openForAppending(_ path: String) throws(FileSystemError) -> any AppendableFile

    /// Flushes a folder's entries (after renames into it) to the disk.
    func syncDirectory(_ path: String) throws(FileSystemError)

    /// Sets a file's modification time (used by tests of oldest-first and settling).
    func setModified(_ path: String, to date: Date) throws(FileSystemError)

    /// Sets a file's modification time to now (`utimensat(UTIME_NOW)`), failing with `ENOENT` if it is gone.
    ///
    /// On NFS the server's clock sets the time, so every runner sharing the
    /// root reads heartbeats on one clock.
    func touch(_ path: String) throws(FileSystemError)

    /// Removes an empty folder.
    func removeDirectory(_ path: String) throws(FileSystemError)

    /// Rewrites an existing file in place, failing with `ENOENT` if it is gone: never creates one.
    ///
    /// Opens without `O_CREAT`, writes `bytes` from the start and truncates
    /// the file to their length; no rename, no flush. For a file whose
    /// removal by another process must stick (a runner's heartbeat: removed,
    /// it means the runner lost its lease). A reader may see the old content,
    /// the new one, or (in the moment between the write and the truncate) a
    /// mix of the two, so readers must take a file that does not parse as
    /// saying nothing. The write sets the file's modification time, as `touch` does.
    func overwriteExisting(_ path: String, _ bytes: [UInt8]) throws(FileSystemError)
}

/// A file open for appending whole lines.
public protocol AppendableFile: AnyObject, Sendable {
    /// Appends `bytes` with one `write(2)`, so lines from several writers never interleave.
    func append(_ bytes: [UInt8]) throws(FileSystemError)
    /// Flushes what was appended to the disk.
    func sync() throws(FileSystemError)
    /// Closes the file.
    func close()
    /// `fstat` of the open descriptor: the file it writes to, whatever its name is now (nil when it cannot be told).
    func info() -> FileInfo?
}

extension AppendableFile {
    /// Unknown by default: a writer that compares it with its path's then checks the path alone.
    public func info() -> FileInfo? { nil }
}

extension FileSystem {
    /// Publishes `from` as the new version of `to` and removes the old version at once.
    public func replace(_ from: String, to: String) throws(FileSystemError) {
        try replace(from, to: to, removeOld: true)
    }

    /// True when something (of any type) exists at `path`.
    public func exists(_ path: String) -> Bool {
        (try? info(path)) != nil
    }

    /// Reads a small regular file whole (configuration, records).
    public func readFile(_ path: String, maxBytes: Int = 64 << 20) throws(ReadFileError) -> [UInt8] {
        try readRegularFile(path, maxBytes: maxBytes)
    }
}
