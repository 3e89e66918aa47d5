import Foundation

/// One step's part of a run record.
public struct StepRecord: Sendable, Equatable {
    /// The step's id.
    public var id: String
    /// Its provider.
    public var provider: String
    /// Where it is.
    public private(set) var status: StepStatus = .pending
    /// Attempts made so far.
    public var attempts = 0
    /// When its first attempt began.
    public var startedAt: Date?
    /// When it ended.
    public var finishedAt: Date?
    /// Its output, when it succeeded.
    public var output: JSONValue?
    /// Its failure, when it failed.
    public var error: StepFailure?
    /// What its last attempt left for people to read (`exec`'s standard error), truncated.
    public var stderr: String?
    /// Why it was skipped, when it was.
    public var skipReason: SkipReason?
    /// More about the skip: the condition that did not hold.
    public var skipDetail: String?
    /// The run's steps that were in flight when its last attempt began (a graph's steps that ran at the same time);
    /// nil when none was.
    public var beside: [String]?
    /// A `forEach` step's items, one record each (id `ID[INDEX]`), from the moment the step starts: each item has
    /// its own attempts, so a run taken over runs again only the items that had not ended. Their outputs are the
    /// step's output once it succeeded, so they are not kept twice.
    public var items: [StepRecord]?
    /// The child process of the attempt in progress (`exec`), written before the command starts: a runner taking
    /// over after a crash ends what is left of it before the step runs again.
    public var process: ProcessIdentity?

    public init(id: String, provider: String) {
        self.id = id
        self.provider = provider
    }

    /// Moves only the status along the state machine; illegal moves throw. The engine applies a `StepTransition`
    /// instead (`apply(_:at:)`), which uses this and sets everything that goes with the move.
    public mutating func apply(_ event: StepEvent) throws(IllegalTransition) {
        status = try status.applying(event)
    }

    /// As records write it.
    public var json: JSONValue {
        var o: [String: JSONValue] = [
            "id": .string(id), "provider": .string(provider), "status": .string(status.rawValue), "attempts": .int(attempts),
            "startedAt": startedAt.map { .string(Timestamp.format($0)) } ?? .null,
            "finishedAt": finishedAt.map { .string(Timestamp.format($0)) } ?? .null,
            "durationMs": startedAt.flatMap { s in finishedAt.map { .int($0.milliseconds(since: s)) } } ?? .null,
        ]
        if let output { o["output"] = output }
        if let error { o["error"] = error.json(step: nil) }
        if let stderr { o["stderr"] = .string(stderr) }
        if let beside { o["beside"] = .array(beside.map(JSONValue.string)) }
        if let items { o["items"] = .array(items.map(\.json)) }
        if let skipReason { o["skipReason"] = .string(skipReason.rawValue) }
        if let skipDetail { o["skipDetail"] = .string(skipDetail) }
        if let process { o["process"] = process.json }
        return .object(o)
    }

    /// Reads a step back from a record; nil when it is not one (`init(validating:at:)` says why).
    public init?(json: JSONValue) {
        guard let step = try? StepRecord(validating: json, at: .root) else { return nil }
        self = step
    }

    /// Reads a step back from a record (`path` is where the record holds it), or says which required member is missing or wrong.
    public init(validating json: JSONValue, at path: JSONPath) throws(RecordShapeError) {
        guard case .object = json else { throw RecordShapeError(path: path, expected: "a step (an object with id, provider and status)") }
        guard let id = json["id"]?.stringValue else { throw RecordShapeError(path: path.key("id"), expected: "a string") }
        guard let provider = json["provider"]?.stringValue else { throw RecordShapeError(path: path.key("provider"), expected: "a string") }
        guard let status = json["status"]?.stringValue.flatMap(StepStatus.init(rawValue:)) else {
            throw RecordShapeError(
                path: path.key("status"), expected: "a step status (\(StepStatus.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        self.init(id: id, provider: provider)
        self.status = status
        attempts = json["attempts"]?.intValue ?? 0
        startedAt = json["startedAt"]?.stringValue.flatMap(Timestamp.parse)
        finishedAt = json["finishedAt"]?.stringValue.flatMap(Timestamp.parse)
        output = json["output"]
        stderr = json["stderr"]?.stringValue
        skipReason = json["skipReason"]?.stringValue.flatMap(SkipReason.init(rawValue:))
        skipDetail = json["skipDetail"]?.stringValue
        beside = json["beside"]?.stringsValue
        if let value = json["items"] {
            guard case .array(let elements) = value else { throw RecordShapeError(path: path.key("items"), expected: "an array of item records") }
            items = try elements.enumerated().map { i, element throws(RecordShapeError) in
                try StepRecord(validating: element, at: path.key("items").index(i))
            }
        }
        process = json["process"].flatMap(ProcessIdentity.init(json:))
        if let e = json["error"], let code = e["code"]?.stringValue {
            error = StepFailure(
                code: StepFailure.Code(rawValue: code), message: e["message"]?.stringValue ?? "", retryable: e["retryable"]?.boolValue ?? false)
        }
    }
}
