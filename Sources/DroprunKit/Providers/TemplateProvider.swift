/// `template`: renders `template` (its `{{...}}` references) into `text`.
public struct TemplateProvider: Provider {
    public init() {}
    public var mayWait: Bool { false }
    public var name: String { "template" }
    public var summary: String { "renders 'template' with {{...}} references into 'text'" }

    public func validate(_ with: inout JSONObjectReader, context: ValidationContext) {
        _ = with.string("template", required: true)
    }

    public func run(_ with: [String: JSONValue], context: StepContext) async throws -> JSONValue {
        var r = context.reader(with)
        let template = r.string("template", required: true)
        try context.check(r)
        return ["text": .string(template ?? "")]
    }
}
