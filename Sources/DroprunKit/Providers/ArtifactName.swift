/// The rules of artifact names, which keep every artifact inside its run's folder.
public enum ArtifactName {
    /// Why `name` is not a safe artifact name; nil when it is.
    public static func problem(_ name: String) -> String? {
        if name.isEmpty { return "an artifact name cannot be empty" }
        if name.utf8.contains(0) { return "an artifact name cannot contain a NUL character" }
        if name.hasPrefix("/") { return "an artifact name must be relative, found '\(name)' (leading '/')" }
        if name.contains("\\") { return "an artifact name cannot contain a backslash, found '\(name)'" }
        if name.utf8.count > 1024 { return "an artifact name has at most 1024 bytes" }
        // Split on the byte '/', as the file system does (a '/' followed by a combining mark is one Swift Character).
        let parts = name.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).map { Array($0) }
        if parts.contains(Array("..".utf8)) { return "an artifact name cannot contain '..', found '\(name)'" }
        if parts.contains(where: { $0.isEmpty || $0 == Array(".".utf8) }) {
            return "an artifact name cannot have empty or '.' parts, found '\(name)'"
        }
        if parts.contains(where: { $0.count > 255 }) { return "each part of an artifact name has at most 255 bytes" }
        if JSONKey.sameBytes(name, "manifest.json") { return "'manifest.json' is reserved for the run's manifest; choose another name" }
        if parts.contains(where: { $0.first == UInt8(ascii: ".") && $0.count >= 4 && $0.suffix(4).elementsEqual(".tmp".utf8) }) {
            return "names of the form '.x.tmp' are reserved for temporary files"
        }
        return nil
    }

    /// The media type guessed from a name's extension.
    public static func mediaType(for name: String) -> String {
        let ext = name.split(separator: ".").last.map { $0.lowercased() } ?? ""
        switch ext {
        case "txt", "log": return "text/plain"
        case "md": return "text/markdown"
        case "json": return "application/json"
        case "csv": return "text/csv"
        case "html", "htm": return "text/html"
        case "xml": return "application/xml"
        case "yaml", "yml": return "application/yaml"
        case "pdf": return "application/pdf"
        case "png": return "image/png"
        default: return "application/octet-stream"
        }
    }
}
