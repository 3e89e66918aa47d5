#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What the kernel says about processes on this machine: `/proc` on Linux, `kill(pid, 0)` elsewhere.
enum ProcessTable {
    /// One line of `/proc/<pid>/stat`, the fields droprun needs.
    struct Entry: Equatable {
        /// `R`, `S`, `D`, `Z` (a zombie: ended, not yet reaped), ...
        var state: Character
        /// The process group.
        var group: Int32
        /// Clock ticks since boot when it started.
        var startTime: UInt64
    }

    /// This host's name.
    static let hostName: String = {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, 255) == 0 else { return "localhost" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }()

    /// The kernel's boot id; nil where there is none.
    static let bootId: String? = readText("/proc/sys/kernel/random/boot_id").map { String($0.filter { !$0.isWhitespace }) }

    /// This process's pid namespace (`pid:[4026531836]`); nil where there is none.
    static let pidNamespace: String? = {
        var buffer = [CChar](repeating: 0, count: 128)
        let n = readlink("/proc/self/ns/pid", &buffer, 127)
        guard n > 0 else { return nil }
        return String(decoding: buffer.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }()

    /// `/proc/<pid>/stat` of a process, or nil when there is no such process (or no `/proc`).
    static func entry(_ pid: Int32) -> Entry? {
        readText("/proc/\(pid)/stat").flatMap(parse)
    }

    /// Parses a `stat` line: `pid (comm) state ppid pgrp ... starttime ...`; `comm` may hold spaces and parentheses.
    static func parse(_ line: String) -> Entry? {
        guard let close = line.lastIndex(of: ")") else { return nil }
        let fields = line[line.index(after: close)...].split(separator: " ")
        // After the name: state is field 3 of the line, pgrp 5, starttime 22.
        guard fields.count > 19, let state = fields[0].first, let group = Int32(fields[2]), let start = UInt64(fields[19]) else { return nil }
        return Entry(state: state, group: group, startTime: start)
    }

    /// True when a process of group `group` still runs (zombies do not count: they are over).
    static func groupHasLiveMembers(_ group: Int32) -> Bool {
        #if os(Linux)
        guard access("/proc/self/stat", R_OK) == 0 else { return kill(-group, 0) == 0 || errno == EPERM }
        return !groupMembers(group).isEmpty
        #else
        return kill(-group, 0) == 0 || errno == EPERM
        #endif
    }

    /// The processes of group `group` that still run, from `/proc` (empty where there is none).
    static func groupMembers(_ group: Int32) -> [Int32] {
        guard let folder = opendir("/proc") else { return [] }
        defer { closedir(folder) }
        var members: [Int32] = []
        while let item = readdir(folder) {
            let name = withUnsafeBytes(of: item.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard let pid = Int32(name), let entry = entry(pid) else { continue }
            if entry.group == group && entry.state != "Z" { members.append(pid) }
        }
        return members
    }

    /// A small file's text, read with plain system calls; nil when it cannot be read.
    static func readText(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1024)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            bytes += buffer[0..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
