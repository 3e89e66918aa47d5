import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Room for a generated history: refuse before writing when the disk cannot hold it.
enum HistoryDisk {
    /// What one run takes on an ext4 disk with 4 KiB blocks (result and request a block each, inodes, a share of audit,
    /// index, artifacts and cancels), measured at 100,000 runs, with a margin.
    static let bytesPerRun = 15_000.0
    static let inodesPerRun = 2.6
    /// Left free for everything else on the disk.
    static let spareBytes = 3.0 * 1e9

    static func freeBytes(_ path: String) -> Int64 {
        var s = statvfs()
        guard statvfs(path, &s) == 0 else { return 0 }
        return Int64(s.f_bavail) * Int64(s.f_frsize)
    }

    /// Throws, saying what to do, when `folder` lacks the space or inodes for `runs` runs (or is a RAM disk too small for them).
    static func ensureRoom(_ folder: String, runs: Int) throws {
        var s = statvfs()
        guard statvfs(folder, &s) == 0 else { throw BenchError("history: cannot read the free space of \(folder)") }
        let free = Double(s.f_bavail) * Double(s.f_frsize)
        let need = Double(runs) * bytesPerRun
        let inodes = Double(runs) * inodesPerRun
        let advice = "pass --history-dir DIR on a bigger disk (not a RAM disk), or fewer --history-runs"
        func gb(_ bytes: Double) -> String { String(format: "%.1f GB", bytes / 1e9) }
        guard free >= need + spareBytes else {
            throw BenchError(
                "history: \(runs) runs need about \(gb(need)) in \(folder) and \(gb(spareBytes)) must stay free, but it has \(gb(free)); \(advice)")
        }
        if s.f_files > 0 && Double(s.f_favail) < inodes * 1.1 {
            throw BenchError(
                "history: \(runs) runs need about \(Int(inodes)) inodes in \(folder), it has \(s.f_favail) free; \(advice)")
        }
        if isRAMDisk(folder) {
            let memory = Double(ProcessInfo.processInfo.physicalMemory)
            guard need < memory / 3 else {
                throw BenchError(
                    "history: \(folder) is a RAM disk; \(runs) runs would take \(gb(need)) of the machine's \(gb(memory)) of memory; \(advice)")
            }
        }
    }

    /// True when the folder's file system (the longest mount point in `/proc/mounts` that contains it) keeps files in memory.
    static func isRAMDisk(_ folder: String) -> Bool {
        let path = URL(fileURLWithPath: folder).resolvingSymlinksInPath().path
        guard let mounts = try? String(contentsOfFile: "/proc/mounts", encoding: .utf8) else { return false }
        var best: (point: String, type: String)?
        for line in mounts.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count > 2 else { continue }
            let point = String(fields[1])
            let inside = path == point || path.hasPrefix(point.hasSuffix("/") ? point : point + "/")
            if inside && point.count >= (best?.point.count ?? 0) { best = (point, String(fields[2])) }
        }
        return best.map { $0.type == "tmpfs" || $0.type == "ramfs" } ?? false
    }
}
