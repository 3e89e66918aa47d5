import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whole folders through the `FileSystem` seam: their size, their removal, their copy (for an archive on another disk).
struct FileTree {
    let fileSystem: any FileSystem
    private var fs: any FileSystem { fileSystem }

    /// Bytes of the regular files under `path` (or of `path` itself); 0 when nothing is there.
    func size(_ path: String) -> Int64 {
        guard let info = try? fs.info(path) else { return 0 }
        guard info.type == .directory else { return info.size }
        return ((try? fs.list(path)) ?? []).reduce(0) { $0 + size(Path.join(path, $1.name)) }
    }

    /// Removes `path` and everything under it (links are removed, never followed); nothing there is fine.
    /// Returns the bytes removed.
    @discardableResult
    func remove(_ path: String) throws(FileSystemError) -> Int64 {
        guard let info = try fs.info(path) else { return 0 }
        guard info.type == .directory else {
            do {
                try fs.remove(path)
            } catch let error where error.isNotFound {
                return 0
            }
            return info.type == .regular ? info.size : 0
        }
        var freed: Int64 = 0
        for entry in try fs.list(path) { freed += try remove(Path.join(path, entry.name)) }
        do {
            try fs.removeDirectory(path)
        } catch let error where error.isNotFound {}
        return freed
    }

    /// Copies `source` to the new path `target` (folders, regular files and links' targets as text are not followed:
    /// only folders and regular files are copied), each file flushed, each folder flushed once filled.
    func copy(_ source: String, to target: String) throws(FileSystemError) {
        guard let info = try fs.info(source) else { throw FileSystemError("copy", path: source, code: ENOENT) }
        switch info.type {
        case .directory:
            try fs.makeDirectory(target)
            for entry in try fs.list(source) { try copy(Path.join(source, entry.name), to: Path.join(target, entry.name)) }
            try fs.syncDirectory(target)
        case .regular:
            let bytes: [UInt8]
            do {
                bytes = try fs.readFile(source, maxBytes: 1 << 40)
            } catch {
                if case .unreadable(let failure) = error { throw failure }
                throw FileSystemError("read", path: source, code: EIO)
            }
            try fs.writeNew(target, bytes, sync: true)
        default:
            // A link or special file in a run's folder is not data of the run: it is not carried to the archive.
            break
        }
    }
}
