/// The members of a JSON object, keyed by their keys' bytes (see `JSONKey`); key order is not significant.
///
/// It reads like a `[String: JSONValue]`: subscript by `String`, iteration
/// as `(key, value)` pairs, `keys`, `values`, `mapValues`.
public struct JSONObject: Sendable, Equatable, Sequence, ExpressibleByDictionaryLiteral {
    private var storage: [JSONKey: JSONValue]

    public init() { storage = [:] }

    /// An object with the dictionary's members (a dictionary cannot hold two canonically equivalent keys).
    public init(_ members: [String: JSONValue]) {
        storage = Dictionary(uniqueKeysWithValues: members.map { (JSONKey($0.key), $0.value) })
    }

    /// An object of `pairs`; of two pairs with the same key (byte for byte) the last wins.
    public init<S: Sequence>(pairs: S) where S.Element == (String, JSONValue) {
        storage = [:]
        for (key, value) in pairs { storage[JSONKey(key)] = value }
    }

    public init(dictionaryLiteral elements: (String, JSONValue)...) { self.init(pairs: elements) }

    /// The member named `key`, byte for byte.
    public subscript(key: String) -> JSONValue? {
        get { storage[JSONKey(key)] }
        set { storage[JSONKey(key)] = newValue }
    }

    /// Sets a member; returns the value it replaced (a key already there, byte for byte).
    @discardableResult
    public mutating func updateValue(_ value: JSONValue, forKey key: String) -> JSONValue? {
        storage.updateValue(value, forKey: JSONKey(key))
    }

    /// Removes a member; returns its value.
    @discardableResult
    public mutating func removeValue(forKey key: String) -> JSONValue? {
        storage.removeValue(forKey: JSONKey(key))
    }

    public var count: Int { storage.count }
    public var isEmpty: Bool { storage.isEmpty }
    /// The keys, in no particular order.
    public var keys: [String] { storage.keys.map(\.string) }
    /// The values, in no particular order.
    public var values: [JSONValue] { Array(storage.values) }

    /// The members with each value transformed.
    public func mapValues(_ transform: (JSONValue) throws -> JSONValue) rethrows -> JSONObject {
        var out = JSONObject()
        out.storage = try storage.mapValues(transform)
        return out
    }

    /// The members whose transformed value is not nil, as a dictionary (canonically equivalent keys merge there).
    public func compactMapValues<T>(_ transform: (JSONValue) throws -> T?) rethrows -> [String: T] {
        var out: [String: T] = [:]
        for (key, value) in storage { if let t = try transform(value) { out[key.string] = t } }
        return out
    }

    /// Two keys that differ in their bytes but that Swift's `String` takes for one (canonically equivalent), if any.
    ///
    /// A `[String: ...]` made of this object would hold only one of them:
    /// where members become one (a step's `with`, `labels`), such a pair is refused.
    public var canonicallyEquivalentKeys: (String, String)? {
        guard storage.count > 1 else { return nil }
        var seen: [String: String] = [:]
        for key in storage.keys {
            if let other = seen.updateValue(key.string, forKey: key.string) {
                return JSONWriter.utf8Precedes(other, key.string) ? (other, key.string) : (key.string, other)
            }
        }
        return nil
    }

    /// The members as a dictionary; of canonically equivalent keys only one survives there.
    public var dictionary: [String: JSONValue] {
        var out: [String: JSONValue] = [:]
        for (key, value) in storage { out[key.string] = value }
        return out
    }

    public struct Iterator: IteratorProtocol {
        var base: Dictionary<JSONKey, JSONValue>.Iterator
        public mutating func next() -> (key: String, value: JSONValue)? {
            base.next().map { (key: $0.key.string, value: $0.value) }
        }
    }

    public func makeIterator() -> Iterator { Iterator(base: storage.makeIterator()) }

    public var underestimatedCount: Int { storage.count }
}
