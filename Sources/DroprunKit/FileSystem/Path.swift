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
