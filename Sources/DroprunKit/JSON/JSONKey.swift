/// An object key compared and hashed by its UTF-8 bytes.
///
/// Swift's `String` equality is Unicode canonical equivalence: `"é"` written
/// precomposed (NFC) equals `"e"` plus a combining accent (NFD). JSON keys
/// are sequences of code points, so these are two keys, and droprun keeps both.
struct JSONKey: Hashable, Sendable {
    let string: String

    init(_ string: String) { self.string = string }

    static func == (a: JSONKey, b: JSONKey) -> Bool { JSONKey.sameBytes(a.string, b.string) }

    func hash(into hasher: inout Hasher) {
        var s = string
        s.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }

    /// True when `a` and `b` are the same bytes (not merely canonically equivalent).
    static func sameBytes(_ a: String, _ b: String) -> Bool {
        var a = a
        var b = b
        return a.withUTF8 { x in b.withUTF8 { y in x.count == y.count && x.elementsEqual(y) } }
    }
}
