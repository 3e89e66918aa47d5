/// Joining and splitting of slash-separated paths, without Foundation's URL costs.
public enum Path {
    /// `base/name`, with exactly one slash between them.
    public static func join(_ base: String, _ parts: String...) -> String {
        var result = base
        for part in parts where !part.isEmpty {
            if result.isEmpty {
                result = part
            } else if result.hasSuffix("/") {
                result += part
            } else {
                result += "/" + part
            }
        }
        return result
    }

    /// A new hidden name beside `path` (`.name.pid.n.tmp`), for a file written before it is published.
    ///
    /// The inbox scanner and readers ignore such names; recovery removes the
    /// ones a killed runner left (`isTemporary`).
    public static func temporary(besides path: String) -> String {
        var base = name(path)
        while base.utf8.count > 200 { base.removeLast() }
        return join(parent(path), ".\(base).\(TempCounter.pid).\(TempCounter.next()).tmp")
    }

    /// True for a file name `temporary(besides:)` makes.
    public static func isTemporary(_ name: String) -> Bool {
        name.hasPrefix(".") && name.hasSuffix(".tmp")
    }

    /// The folder part of a path (`a/b` for `a/b/c`), `.` when there is none.
    public static func parent(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        if slash == path.startIndex { return "/" }
        return String(path[..<slash])
    }

    /// The last component of a path.
    public static func name(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }
}
