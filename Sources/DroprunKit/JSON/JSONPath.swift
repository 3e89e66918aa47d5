/// A location inside a JSON document, written as `$.workflow.steps[1].provider`.
///
/// Every error about a request names one, so an operator can find the value
/// to fix without guessing.
public struct JSONPath: Sendable, Hashable, CustomStringConvertible {
    /// One step into an object or an array.
    public enum Component: Sendable, Hashable {
        /// A member of an object.
        case key(String)
        /// An element of an array.
        case index(Int)
    }

    /// The steps from the document's root.
    public var components: [Component]

    /// The document's root, `$`.
    public static let root = JSONPath(components: [])

    public init(components: [Component]) { self.components = components }

    /// This path followed by a member.
    public func key(_ name: String) -> JSONPath { JSONPath(components: components + [.key(name)]) }

    /// This path followed by an array element.
    public func index(_ i: Int) -> JSONPath { JSONPath(components: components + [.index(i)]) }

    public var description: String {
        var text = "$"
        for component in components {
            switch component {
            case .key(let k):
                if Self.isPlain(k) {
                    text += "." + k
                } else {
                    text += "[" + JSONWriter.compact(.string(k)) + "]"
                }
            case .index(let i): text += "[\(i)]"
            }
        }
        return text
    }

    private static func isPlain(_ key: String) -> Bool {
        guard let first = key.utf8.first, !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else { return false }
        return key.utf8.allSatisfy { b in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(b) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(b)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b) || b == UInt8(ascii: "_") || b == UInt8(ascii: "-")
        }
    }
}
