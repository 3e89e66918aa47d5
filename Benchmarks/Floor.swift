import DroprunKit
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The floor: only the file operations one run needs under the contract, with no JSON and no hashing.
///
/// Per run: claim rename, read, running record, artifact (in its own folder),
/// manifest, result, archive rename, audit append. Each written file is a
/// temporary file renamed into place; in `sync` mode each is fsynced before
/// its rename (one fsync per file), as a runner without group commit must.
struct Floor {
    let directory: String
    let count: Int
    let sync: Bool

    func run() throws -> Double {
        let fs = PosixFileSystem()
        for folder in ["inbox", "claimed", "running", "results", "requests", "artifacts", "audit"] {
            try fs.makeDirectory(Path.join(directory, folder))
        }
        let body = Array("{\"workflow\":\"floor\",\"input\":{\"name\":\"bench\"},\"padding\":\"\(String(repeating: "x", count: 400))\"}\n".utf8)
        for i in 0..<count { try BenchRunner.write(Path.join(directory, "inbox/r\(i).json"), body) }
        let audit = open(Path.join(directory, "audit/floor.jsonl"), O_WRONLY | O_CREAT | O_APPEND, 0o644)
        defer { close(audit) }
        let record = Array(String(repeating: "r", count: 1200).utf8)
        let line = Array(String(repeating: "a", count: 250).utf8) + [0x0A]
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        Glibc.sync()  // as for droprun: the inbox's writes are not the floor's to flush
        let start = ContinuousClock.now
        for i in 0..<count {
            let name = "r\(i).json"
            let claimed = Path.join(directory, "claimed/\(name)")
            guard rename(Path.join(directory, "inbox/\(name)"), claimed) == 0 else { throw BenchError("floor: claim failed") }
            let fd = open(claimed, O_RDONLY | O_NOFOLLOW | O_NONBLOCK)
            var st = stat()
            fstat(fd, &st)
            _ = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            close(fd)
            try put(Path.join(directory, "running/\(name)"), record)
            mkdir(Path.join(directory, "artifacts/r\(i)"), 0o755)
            try put(Path.join(directory, "artifacts/r\(i)/out.txt"), Array("HELLO BENCH NUMBER \(i)".utf8))
            try put(Path.join(directory, "artifacts/r\(i)/manifest.json"), Array(record.prefix(300)))
            try put(Path.join(directory, "results/\(name)"), record)
            guard rename(claimed, Path.join(directory, "requests/\(name)")) == 0 else { throw BenchError("floor: archive failed") }
            for _ in 0..<10 { _ = line.withUnsafeBytes { write(audit, $0.baseAddress, $0.count) } }
            if sync { fsync(audit) }
        }
        let seconds = Double((ContinuousClock.now - start).components.attoseconds) / 1e18 + Double((ContinuousClock.now - start).components.seconds)
        return Double(count) / seconds
    }

    private func put(_ path: String, _ bytes: [UInt8]) throws {
        let temp = path + ".tmp"
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw BenchError("floor: cannot write \(temp)") }
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if sync { fsync(fd) }
        close(fd)
        guard rename(temp, path) == 0 else { throw BenchError("floor: rename failed") }
    }
}
