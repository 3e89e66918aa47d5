/// `delay`: waits `ms` milliseconds on the runner's clock.
public struct DelayProvider: Provider {
    public init() {}
    public var name: String { "delay" }
    public var summary: String { "waits 'ms' milliseconds" }

    public func validate(_ with: inout JSONObjectReader, context: ValidationContext) {
        _ = with.int("ms", in: 0...86_400_000, required: true)
    }

    public func run(_ with: [String: JSONValue], context: StepContext) async throws -> JSONValue {
        var r = context.reader(with)
        let ms = r.int("ms", in: 0...86_400_000, required: true) ?? 0
        try context.check(r)
        try await context.clock.sleep(for: .milliseconds(ms))
        return ["waitedMs": .int(ms)]
    }
}
