/// A JSON value, as droprun reads and writes it.
///
/// droprun keeps its own small JSON model instead of `Codable` because every
/// record, request and audit line passes through it: a hand-written parser over
/// bytes is several times faster than `JSONSerialization`, lets us cap nesting
/// depth without a crash, and gives one canonical byte form for hashing.
public enum JSONValue: Sendable, Equatable {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A number: integers exact to 64 bits (and beyond, as written), others doubles (see `JSONNumber`).
    case number(JSONNumber)
    /// A string.
    case string(String)
    /// An array.
    case array([JSONValue])
    /// An object, keyed by the keys' bytes (`JSONObject`). Key order is not significant; writers sort keys.
    case object(JSONObject)

    /// An object of a dictionary's members.
    public static func object(_ members: [String: JSONValue]) -> JSONValue { .object(JSONObject(members)) }
}

extension JSONValue {
    /// The string, when this is a string.
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The number (the nearest double), when this is a number.
    public var numberValue: Double? {
        if case .number(let n) = self { return n.doubleValue }
        return nil
    }

    /// The number as an exact integer, when this is a whole number that fits an `Int`.
    public var intValue: Int? {
        guard case .number(let n) = self, let i = n.int64Value else { return nil }
        return Int(exactly: i)
    }

    /// The boolean, when this is a boolean.
    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    /// The elements, when this is an array.
    public var arrayValue: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    /// The elements, when this is an array of strings only.
    public var stringsValue: [String]? {
        guard case .array(let a) = self else { return nil }
        let strings = a.compactMap(\.stringValue)
        return strings.count == a.count ? strings : nil
    }

    /// The members, when this is an object.
    public var objectValue: JSONObject? {
        if case .object(let o) = self { return o }
        return nil
    }

    /// The member named `key`, when this is an object that has it.
    public subscript(key: String) -> JSONValue? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    /// The element at `index`, when this is an array that long.
    public subscript(index: Int) -> JSONValue? {
        if case .array(let a) = self, a.indices.contains(index) { return a[index] }
        return nil
    }

    /// A short name of the value's type, for error messages ("found a number").
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    /// The value as short text for error messages: strings quoted, long values cut.
    public var preview: String {
        let text = JSONWriter.compact(self)
        return text.count > 60 ? String(text.prefix(57)) + "..." : text
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral, ExpressibleByFloatLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .number(JSONNumber(value)) }
    public init(floatLiteral value: Double) { self = .number(JSONNumber(value)) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(nilLiteral: ()) { self = .null }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(JSONObject(pairs: elements))
    }
}

extension JSONValue {
    /// An integer number.
    public static func int(_ value: Int) -> JSONValue { .number(JSONNumber(value)) }

    /// A number computed as a double (whole ones within ±2^53 are written as integers).
    public static func double(_ value: Double) -> JSONValue { .number(JSONNumber(value)) }
}
