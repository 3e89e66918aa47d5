/// A `{{...}}` reference in a string of a step's `with`.
///
/// `{{input.x}}`, `{{steps.ID.output.x}}` and `{{run.id}}`; members are
/// separated by dots and array elements written `.0` or `[0]`. Spaces just
/// inside the braces are ignored. A `{{` with no closing `}}` is plain text.
public struct Reference: Sendable, Equatable, CustomStringConvertible {
    /// The path's parts, e.g. `["steps", "summary", "output", "text"]`.
    public var parts: [String]

    public var description: String { "{{" + parts.joined(separator: ".") + "}}" }

    /// A piece of a string with references.
    public enum Segment: Sendable, Equatable {
        /// Text kept as it is.
        case text(String)
        /// A reference to replace.
        case reference(Reference)
    }

    /// Splits `string` into text and references; nil when it holds no reference.
    public static func segments(of string: String) -> [Segment]? {
        var rest = Substring(string)
        guard find(UInt8(ascii: "{"), in: rest) != nil else { return nil }
        var segments: [Segment] = []
        var found = false
        while let open = find(UInt8(ascii: "{"), in: rest) {
            guard let close = find(UInt8(ascii: "}"), in: rest[open.upperBound...]) else { break }
            let inner = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: " ")
            guard let reference = parse(inner) else {
                segments.append(.text(String(rest[..<close.upperBound])))
                rest = rest[close.upperBound...]
                continue
            }
            if open.lowerBound > rest.startIndex { segments.append(.text(String(rest[..<open.lowerBound]))) }
            segments.append(.reference(reference))
            found = true
            rest = rest[close.upperBound...]
        }
        if !rest.isEmpty { segments.append(.text(String(rest))) }
        return found ? segments : nil
    }

    /// The range of the first doubled `byte` (`{{` or `}}`) in `text`, found on its UTF-8 bytes
    /// (every string of every step's `with` is searched, so this avoids Foundation's string search).
    private static func find(_ byte: UInt8, in text: Substring) -> Range<String.Index>? {
        let bytes = text.utf8
        var i = bytes.startIndex
        while i != bytes.endIndex {
            let next = bytes.index(after: i)
            guard next != bytes.endIndex else { return nil }
            if bytes[i] == byte && bytes[next] == byte { return i..<bytes.index(after: next) }
            i = next
        }
        return nil
    }

    /// The reference when `string` is exactly one reference (it then keeps its JSON type).
    public static func whole(_ string: String) -> Reference? {
        guard let segments = segments(of: string), segments.count == 1, case .reference(let r) = segments[0] else { return nil }
        return r
    }

    /// Parses the inside of `{{...}}`; nil when it is not a reference path.
    ///
    /// Read as UTF-8 bytes: every delimiter is ASCII, and a byte of a
    /// multi-byte character is never one, so names keep any character.
    static func parse(_ inner: String) -> Reference? {
        guard !inner.isEmpty else { return nil }
        let bytes = Array(inner.utf8)
        var parts: [String] = []
        var start = 0
        var i = 0
        func text(_ range: Range<Int>) -> String { String(decoding: bytes[range], as: UTF8.self) }
        /// The index in `[n]` that starts at `open` (the `[`), and the position after its `]`.
        func index(at open: Int) -> (String, Int)? {
            var close = open + 1
            while close < bytes.count, bytes[close] != UInt8(ascii: "]") { close += 1 }
            let digits = text(open + 1..<close)
            guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 < 0x80 }), Int(digits) != nil else { return nil }
            return (digits, min(close + 1, bytes.count))
        }
        while i < bytes.count {
            switch bytes[i] {
            case UInt8(ascii: "."):
                guard i > start else { return nil }
                parts.append(text(start..<i))
                i += 1
                start = i
            case UInt8(ascii: "["):
                if i > start { parts.append(text(start..<i)) }
                guard let (digits, after) = index(at: i) else { return nil }
                parts.append(digits)
                i = after
                // After `]`: the end, another `[n]`, or `.name`.
                while i < bytes.count, bytes[i] != UInt8(ascii: ".") {
                    guard bytes[i] == UInt8(ascii: "["), let (more, next) = index(at: i) else { return nil }
                    parts.append(more)
                    i = next
                }
                if i < bytes.count { i += 1 }
                start = i
            case UInt8(ascii: " "), UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: "\""):
                return nil
            default:
                i += 1
            }
        }
        if i > start {
            parts.append(text(start..<i))
        } else if bytes.last == UInt8(ascii: ".") {
            return nil
        }
        return parts.isEmpty ? nil : Reference(parts: parts)
    }
}

extension Substring {
    func trimmingCharacters(in set: Character) -> String {
        var s = self
        while s.first == set { s = s.dropFirst() }
        while s.last == set { s = s.dropLast() }
        return String(s)
    }
}
