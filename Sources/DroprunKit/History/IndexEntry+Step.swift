import Foundation

extension IndexEntry {
    /// One step of a finished run as its index line keeps it: what `stats` needs of it without reading the record.
    ///
    /// A line writes each step as a five-element array, in the workflow's
    /// order: `["fetch","exec","succeeded",120,2]` is the step `fetch` of the
    /// provider `exec`, which succeeded after 120 ms over 2 attempts. An array
    /// instead of an object keeps a line about 50 bytes shorter per step; its
    /// strings can never be taken for a member by a byte search (`"status":`),
    /// as a string in an array is followed by `,` or `]`, never by `:`.
    public struct Step: Sendable, Equatable {
        /// The step's id.
        public var id: String
        /// Its provider.
        public var provider: String
        /// Where it ended: succeeded, failed, skipped (or pending, for a step a cancelled run never reached).
        public var status: StepStatus
        /// From its first attempt's start to its end (an approval step's includes the wait); nil when it never ran.
        public var durationMs: Int?
        /// Attempts made (0 for a step that never ran; more than 1 after retries).
        public var attempts: Int

        public init(id: String, provider: String, status: StepStatus, durationMs: Int?, attempts: Int) {
            self.id = id
            self.provider = provider
            self.status = status
            self.durationMs = durationMs
            self.attempts = attempts
        }

        /// The step of a record.
        public init(_ step: StepRecord) {
            let duration = step.startedAt.flatMap { start in step.finishedAt.map { $0.milliseconds(since: start) } }
            self.init(id: step.id, provider: step.provider, status: step.status, durationMs: duration, attempts: step.attempts)
        }

        /// Attempts beyond the first: the step's retries, and its runs again after a crash or stop (the record does not tell them apart).
        public var retries: Int { max(0, attempts - 1) }

        /// As a line writes it: `[id, provider, status, durationMs, attempts]`.
        public var json: JSONValue {
            [.string(id), .string(provider), .string(status.rawValue), durationMs.map(JSONValue.int) ?? .null, .int(attempts)]
        }

        /// Reads a step back from a line; nil when it is not one.
        public init?(json: JSONValue) {
            guard let a = json.arrayValue, a.count == 5, let id = a[0].stringValue, let provider = a[1].stringValue,
                let status = a[2].stringValue.flatMap(StepStatus.init(rawValue:)), let attempts = a[4].intValue
            else { return nil }
            let duration = a[3].intValue
            guard duration != nil || a[3] == .null else { return nil }
            self.init(id: id, provider: provider, status: status, durationMs: duration, attempts: attempts)
        }

        /// Appends the step as a line writes it, as `JSONWriter` would (the fast writer's part, see `IndexLine`).
        func append(to out: inout [UInt8]) {
            out.append(UInt8(ascii: "["))
            JSONWriter.appendString(id, to: &out)
            out.append(UInt8(ascii: ","))
            JSONWriter.appendString(provider, to: &out)
            out.append(UInt8(ascii: ","))
            JSONWriter.appendString(status.rawValue, to: &out)
            out.append(UInt8(ascii: ","))
            out.append(contentsOf: (durationMs.map(String.init) ?? "null").utf8)
            out.append(UInt8(ascii: ","))
            out.append(contentsOf: String(attempts).utf8)
            out.append(UInt8(ascii: "]"))
        }
    }

    /// Reads a line's `steps` member: nil when absent (a line written before lines kept steps) or not an array of steps.
    static func steps(of json: JSONValue?) -> [Step]? {
        guard let values = json?.arrayValue else { return nil }
        var steps: [Step] = []
        steps.reserveCapacity(values.count)
        for value in values {
            guard let step = Step(json: value) else { return nil }
            steps.append(step)
        }
        return steps
    }
}
