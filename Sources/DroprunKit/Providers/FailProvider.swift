/// `fail`: fails on purpose, to exercise error handling and retries.
///
/// `times` fails only the first N attempts (so a retry can succeed); without
/// it every attempt fails.
public struct FailProvider: Provider {
    public init() {}
    public var mayWait: Bool { false }
    public var name: String { "fail" }
    public var summary: String { "fails with 'code' and 'message'; 'retryable', 'times' (first N attempts only)" }

    public func validate(_ with: inout JSONObjectReader, context: ValidationContext) {
        read(&with)
    }

    @discardableResult
    private func read(_ r: inout JSONObjectReader) -> (code: StepFailure.Code, message: String, retryable: Bool, times: Int?) {
        let code = StepFailure.Code(rawValue: r.string("code") ?? "failed")
        let message = r.string("message") ?? "the step failed as the request asked"
        let retryable = r.bool("retryable") ?? false
        let times = r.int("times", in: 0...1_000_000)
        return (code, message, retryable, times)
    }

    public func run(_ with: [String: JSONValue], context: StepContext) async throws -> JSONValue {
        var r = context.reader(with)
        let spec = read(&r)
        try context.check(r)
        if let times = spec.times, context.attempt > times {
            return ["attempt": .int(context.attempt)]
        }
        throw StepFailure(code: spec.code, message: spec.message, retryable: spec.retryable)
    }
}
