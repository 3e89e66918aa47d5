/// A JSON number, kept exactly as far as it was written exactly.
///
/// Integers (no fraction, no exponent) are kept exactly: in `Int64` or
/// `UInt64` range as machine integers, beyond that as the digits written
/// (within the double range; larger is refused by the parser). Numbers
/// with a fraction or an exponent are doubles. `-0` keeps its sign.
///
/// Two numbers are equal when their canonical text (`text`) is: that is
/// what the writer emits, so equal values write and hash the same.
public struct JSONNumber: Sendable, Hashable, CustomStringConvertible, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral {
    enum Storage: Sendable {
        /// An integer in `Int64` range.
        case int(Int64)
        /// An integer above `Int64.max`, in `UInt64` range.
        case uint(UInt64)
        /// A number written with a fraction or an exponent, or computed as a double.
        case double(Double)
        /// An integer beyond 64 bits, as written (an optional `-`, then digits without a leading zero).
        case digits(String)
    }

    let storage: Storage

    public init(_ value: Int64) { storage = .int(value) }
    public init(_ value: Int) { storage = .int(Int64(value)) }
    public init(_ value: UInt64) { storage = value <= UInt64(Int64.max) ? .int(Int64(value)) : .uint(value) }
    public init(_ value: Double) { storage = .double(value) }
    public init(integerLiteral value: Int) { self.init(value) }
    public init(floatLiteral value: Double) { self.init(value) }

    /// The number written as `text` in JSON number syntax (already checked by the parser); nil when outside the double range.
    init?(validJSON text: String, isInteger: Bool) {
        if isInteger {
            if text == "-0" {
                storage = .double(-0.0)
                return
            }
            if let i = Int64(text) {
                storage = .int(i)
                return
            }
            if let u = UInt64(text) {
                storage = .uint(u)
                return
            }
            guard let d = Double(text), d.isFinite else { return nil }
            storage = .digits(text)
            return
        }
        guard let d = Double(text), d.isFinite else { return nil }
        storage = .double(d)
    }

    /// The nearest double (exact for integers up to 2^53).
    public var doubleValue: Double {
        switch storage {
        case .int(let i): Double(i)
        case .uint(let u): Double(u)
        case .double(let d): d
        case .digits(let text): Double(text) ?? .nan
        }
    }

    /// The value as an exact `Int64`, when it is a whole number in range (a double only up to ±2^53, where it is exact).
    public var int64Value: Int64? {
        switch storage {
        case .int(let i): return i
        case .uint, .digits: return nil
        case .double(let d):
            guard d.rounded() == d, abs(d) <= Self.exactDoubleLimit else { return nil }
            return Int64(d)
        }
    }

    /// Whole doubles up to this magnitude are integers exactly, and are written as integers.
    static let exactDoubleLimit: Double = 9_007_199_254_740_992

    /// The canonical text: integers in decimal, whole doubles within ±2^53 as integers (`-0` kept), other doubles
    /// in Swift's shortest round-trip form; a non-finite double (never parsed, only computed) as `null`.
    public var text: String {
        switch storage {
        case .int(let i): return String(i)
        case .uint(let u): return String(u)
        case .digits(let text): return text
        case .double(let d):
            if d == 0 { return d.sign == .minus ? "-0" : "0" }
            if d.rounded() == d, abs(d) <= Self.exactDoubleLimit { return String(Int64(d)) }
            return d.isFinite ? d.description : "null"
        }
    }

    public var description: String { text }

    public static func == (a: JSONNumber, b: JSONNumber) -> Bool {
        if case .int(let x) = a.storage, case .int(let y) = b.storage { return x == y }
        return a.text == b.text
    }

    public func hash(into hasher: inout Hasher) {
        if case .int(let i) = storage {
            hasher.combine(i)
        } else if let i = int64Value, !(doubleValue == 0 && doubleValue.sign == .minus) {
            hasher.combine(i)
        } else {
            hasher.combine(text)
        }
    }
}
