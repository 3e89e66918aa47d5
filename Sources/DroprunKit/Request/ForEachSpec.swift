/// A step's `forEach`: the array to run the step over, and how many items may run at once.
///
/// Written as the array itself, as a string that is one `{{...}}` reference to
/// an array (resolved when the step starts), or as `{"items": ..., "maxParallel": N}`.
public struct ForEachSpec: Sendable, Equatable {
    /// A literal array, or a string that is one `{{...}}` reference to an array (resolved when the step starts).
    public var items: JSONValue
    /// Items that may run at the same time (within the run's `maxParallelSteps`); nil for as many as the run allows.
    public var maxParallel: Int?

    /// The most items one step may run over.
    public static let maxItems = 10_000

    public init(items: JSONValue, maxParallel: Int? = nil) {
        self.items = items
        self.maxParallel = maxParallel
    }

    /// Reads `forEach` as written at `path`; nil (the problems in `issues`) when it is not one.
    static func read(_ value: JSONValue, at path: JSONPath, issues: inout [ValidationIssue]) -> ForEachSpec? {
        if case .object = value {
            var r = JSONObjectReader(value, at: path)
            let items = r.value("items", required: true)
            let maxParallel = r.int("maxParallel", in: 1...256)
            r.finish()
            issues += r.issues
            guard let items, r.issues.isEmpty else { return nil }
            return checkedItems(items, at: path.key("items"), issues: &issues).map { ForEachSpec(items: $0, maxParallel: maxParallel) }
        }
        return checkedItems(value, at: path, issues: &issues).map { ForEachSpec(items: $0) }
    }

    private static func checkedItems(_ value: JSONValue, at path: JSONPath, issues: inout [ValidationIssue]) -> JSONValue? {
        switch value {
        case .array(let elements) where elements.count <= maxItems:
            return value
        case .array(let elements):
            issues.append(ValidationIssue(path, "at most \(maxItems) items, found \(elements.count)"))
        case .string(let text) where isWholeReference(text):
            return value
        default:
            issues.append(
                ValidationIssue(
                    path,
                    #"expected the items: an array, a string that is one reference to an array ("{{steps.list.output.items}}"), or {"items": ..., "maxParallel": N}; found \#(value.typeName) \#(value.preview)"#
                ))
        }
        return nil
    }

    /// True when `text` is one `{{...}}` reference and nothing else.
    static func isWholeReference(_ text: String) -> Bool {
        guard let segments = Reference.segments(of: text), segments.count == 1, case .reference = segments[0] else { return false }
        return true
    }

    /// The items as the step starts: the array, or what its reference names (which must be an array).
    func resolve(with resolver: ReferenceResolver, at path: JSONPath) throws -> [JSONValue] {
        let resolved: JSONValue
        do {
            resolved = try resolver.resolve(items, at: path)
        } catch {
            throw StepFailure(.missingReference, error.description)
        }
        guard case .array(let elements) = resolved else {
            throw StepFailure(
                .invalidInput, "forEach: \(JSONWriter.compact(items)) is \(resolved.typeName) \(resolved.preview), not an array of items")
        }
        guard elements.count <= Self.maxItems else {
            throw StepFailure(
                .invalidInput, "forEach: \(JSONWriter.compact(items)) has \(elements.count) items; a step runs over at most \(Self.maxItems)")
        }
        return elements
    }
}
