import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where an `--archive DIR` really is: links resolved, `.` and `..` taken out, so that a folder inside the root is
/// recognised however it is spelled.
enum ArchivePath {
    /// The path with every link resolved: `realpath(3)` of its longest existing prefix, plus the rest (which does not
    /// exist yet, so holds no link) with `.` and `..` taken out. `path` is absolute.
    static func resolve(_ path: String) -> String {
        var prefix = path
        var rest: [String] = []
        while true {
            if let real = realPath(prefix) { return normalized(real, rest) }
            let name = Path.name(prefix)
            let parent = Path.parent(prefix)
            guard parent != prefix, !prefix.isEmpty else { return normalized("/", rest) }
            rest.insert(name, at: 0)
            prefix = parent
        }
    }

    /// True when `path` (resolved) is `root` (resolved) or inside it.
    static func isInside(_ path: String, root: String) -> Bool {
        let resolvedRoot = resolve(root)
        let resolved = resolve(path)
        return resolved == resolvedRoot || resolved.hasPrefix(resolvedRoot == "/" ? "/" : resolvedRoot + "/")
    }

    private static func realPath(_ path: String) -> String? {
        guard let pointer = realpath(path, nil) else { return nil }
        defer { free(pointer) }
        return String(cString: pointer)
    }

    private static func normalized(_ base: String, _ rest: [String]) -> String {
        var parts = base.split(separator: "/").map(String.init)
        for name in rest {
            switch name {
            case "", ".": continue
            case "..": if !parts.isEmpty { parts.removeLast() }
            default: parts.append(name)
            }
        }
        return "/" + parts.joined(separator: "/")
    }
}
