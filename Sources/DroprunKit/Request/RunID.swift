/// The rules of run ids: `^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`.
///
/// Run ids become file names, so these rules also keep every record inside its folder.
public enum RunID {
    /// True when `id` is a valid run id.
    public static func isValid(_ id: String) -> Bool {
        let bytes = Array(id.utf8)
        guard (1...128).contains(bytes.count), isAlphanumeric(bytes[0]) else { return false }
        return bytes.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
    }

    /// Why `id` is not valid, in words; nil when it is.
    public static func problem(_ id: String) -> String? {
        if isValid(id) { return nil }
        if id.isEmpty { return "a run id cannot be empty" }
        if id.utf8.count > 128 { return "a run id has at most 128 characters, found \(id.utf8.count)" }
        if let first = id.utf8.first, !isAlphanumeric(first) { return "a run id starts with a letter or digit, found '\(id)'" }
        return "a run id has only letters, digits, '.', '_' and '-', found '\(id)'"
    }

    /// The run id a file name gives when the request has no `id`: the name without `.json`.
    public static func fromFileName(_ name: String) -> String {
        name.hasSuffix(".json") ? String(name.dropLast(5)) : name
    }

    static func isAlphanumeric(_ b: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(b) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(b)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b)
    }
}
