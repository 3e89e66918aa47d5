#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes `JSONValue`s as bytes, in droprun's one canonical form.
///
/// The canonical form, which the audit hash chain depends on: object keys
/// sorted by their UTF-8 bytes; no insignificant whitespace (compact) or
/// two-space indentation (pretty); `/` never escaped; `"`, `\` and control
/// characters escaped (`\n`, `\r`, `\t`, `\b`, `\f`, else `\u00XX`); all
/// other characters written as UTF-8; integers exactly as parsed (64 bits,
/// or the digits written when larger), doubles that are whole and within
/// ±2^53 as integers (`-0` as `-0`), other doubles in Swift's shortest
/// round-trip form (`JSONNumber.text`).
public enum JSONWriter {
    /// Compact canonical text.
    public static func compact(_ value: JSONValue) -> String {
        String(decoding: compactBytes(value), as: UTF8.self)
    }

    /// Compact canonical bytes.
    public static func compactBytes(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(value, into: &out, indent: nil)
        return out
    }

    /// Pretty canonical bytes with a trailing newline, for records people read.
    public static func prettyBytes(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(1024)
        write(value, into: &out, indent: 0)
        out.append(0x0A)
        return out
    }

    /// Pretty canonical text with a trailing newline.
    public static func pretty(_ value: JSONValue) -> String {
        String(decoding: prettyBytes(value), as: UTF8.self)
    }

    /// Appends the compact canonical form of `value` to `out` (for writers that build a line from parts).
    static func appendCompact(_ value: JSONValue, to out: inout [UInt8]) {
        write(value, into: &out, indent: nil)
    }

    /// Appends `s` as a canonical JSON string to `out`.
    static func appendString(_ s: String, to out: inout [UInt8]) {
        writeString(s, into: &out)
    }

    /// Writes one pretty object member by member, for types that know their members' canonical order.
    ///
    /// The caller gives members sorted by their keys' UTF-8 bytes (as the
    /// canonical form requires); debug builds check it.
    struct PrettyObject {
        private let level: Int
        private var lastKey: String?

        /// Opens an object nested `level` deep.
        init(level: Int, into out: inout [UInt8]) {
            self.level = level
            out.append(UInt8(ascii: "{"))
        }

        /// Writes the separator and `"key": `; the caller writes the value.
        mutating func key(_ key: String, into out: inout [UInt8]) {
            assert(lastKey.map { JSONWriter.utf8Precedes($0, key) } ?? true, "members out of canonical order: \(lastKey ?? "") before \(key)")
            if lastKey != nil { out.append(UInt8(ascii: ",")) }
            lastKey = key
            JSONWriter.newline(&out, level + 1)
            JSONWriter.writeString(key, into: &out)
            out.append(contentsOf: [UInt8(ascii: ":"), 0x20])
        }

        /// Writes a member whose value is a `JSONValue`.
        mutating func member(_ key: String, _ value: JSONValue, into out: inout [UInt8]) {
            self.key(key, into: &out)
            JSONWriter.write(value, into: &out, indent: level + 1)
        }

        /// Writes a member whose value is a string.
        mutating func member(_ key: String, string: String, into out: inout [UInt8]) {
            self.key(key, into: &out)
            JSONWriter.writeString(string, into: &out)
        }

        /// Writes a member whose value is a string, or null.
        mutating func member(_ key: String, string: String?, into out: inout [UInt8]) {
            self.key(key, into: &out)
            if let string { JSONWriter.writeString(string, into: &out) } else { out.append(contentsOf: "null".utf8) }
        }

        /// Writes a member whose value is a whole number, or null.
        mutating func member(_ key: String, int: Int?, into out: inout [UInt8]) {
            self.key(key, into: &out)
            if let int { out.append(contentsOf: String(int).utf8) } else { out.append(contentsOf: "null".utf8) }
        }

        /// Closes the object.
        func end(into out: inout [UInt8]) {
            if lastKey != nil { JSONWriter.newline(&out, level) }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// Writes `value` pretty, as nested `level` deep.
    static func appendPretty(_ value: JSONValue, level: Int, to out: inout [UInt8]) {
        write(value, into: &out, indent: level)
    }

    private static let spaces = [UInt8](repeating: 0x20, count: 128)

    static func newline(_ out: inout [UInt8], _ level: Int) {
        out.append(0x0A)
        var left = level * 2
        while left > 0 {
            let n = min(left, spaces.count)
            out.append(contentsOf: spaces[0..<n])
            left -= n
        }
    }

    static func write(_ value: JSONValue, into out: inout [UInt8], indent: Int?) {
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .number(let n): writeNumber(n, into: &out)
        case .string(let s): writeString(s, into: &out)
        case .array(let elements):
            if elements.isEmpty {
                out.append(contentsOf: "[]".utf8)
                return
            }
            out.append(UInt8(ascii: "["))
            for (i, element) in elements.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                if let level = indent { newline(&out, level + 1) }
                write(element, into: &out, indent: indent.map { $0 + 1 })
            }
            if let level = indent { newline(&out, level) }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            if members.isEmpty {
                out.append(contentsOf: "{}".utf8)
                return
            }
            out.append(UInt8(ascii: "{"))
            // The members are copied out once and their positions sorted: no member is hashed again, and the sort moves integers.
            let pairs = Array(members)
            var order = Array(pairs.indices)
            if pairs.count > 1 { order.sort { utf8Precedes(pairs[$0].key, pairs[$1].key) } }
            for (i, position) in order.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                if let level = indent { newline(&out, level + 1) }
                writeString(pairs[position].key, into: &out)
                out.append(UInt8(ascii: ":"))
                if indent != nil { out.append(0x20) }
                write(pairs[position].value, into: &out, indent: indent.map { $0 + 1 })
            }
            if let level = indent { newline(&out, level) }
            out.append(UInt8(ascii: "}"))
        }
    }

    private static func writeNumber(_ n: JSONNumber, into out: inout [UInt8]) {
        out.append(contentsOf: n.text.utf8)
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// True when `a` sorts before `b` by UTF-8 bytes (the canonical key order); not Swift's `<`, which compares by Unicode rules.
    static func utf8Precedes(_ a: String, _ b: String) -> Bool {
        var a = a
        var b = b
        return a.withUTF8 { x in
            b.withUTF8 { y in
                let common = min(x.count, y.count)
                if common > 0, let p = x.baseAddress, let q = y.baseAddress {
                    let order = memcmp(p, q, common)
                    if order != 0 { return order < 0 }
                }
                return x.count < y.count
            }
        }
    }

    static func writeString(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var s = s
        let plain = s.withUTF8 { bytes -> Bool in
            for b in bytes where b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") { return false }
            out.append(contentsOf: bytes)
            return true
        }
        if plain {
            out.append(UInt8(ascii: "\""))
            return
        }
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): out.append(contentsOf: [0x5C, 0x22])
            case UInt8(ascii: "\\"): out.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0x08: out.append(contentsOf: [0x5C, UInt8(ascii: "b")])
            case 0x0C: out.append(contentsOf: [0x5C, UInt8(ascii: "f")])
            case 0..<0x20:
                out.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hexDigits[Int(b >> 4)], hexDigits[Int(b & 0xF)]])
            default: out.append(b)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
