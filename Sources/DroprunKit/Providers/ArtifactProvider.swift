/// `artifact`: writes `content` (a string) or `json` (any JSON) under `artifacts/<runId>/`.
public struct ArtifactProvider: Provider {
    public init() {}
    public var mayWait: Bool { false }
    public var name: String { "artifact" }
    public var summary: String { "writes 'content' or 'json' to artifacts/<runId>/'name'; optional 'mediaType'" }

    public func validate(_ with: inout JSONObjectReader, context: ValidationContext) {
        if let name = with.string("name", required: true), Reference.segments(of: name) == nil,
            let problem = ArtifactName.problem(name)
        {
            with.report(ValidationIssue(with.path.key("name"), problem))
        }
        let content = with.string("content")
        let json = with.value("json")
        if with.members["content"] == nil && json == nil {
            with.report(ValidationIssue(with.path.key("content"), "one of 'content' or 'json' is required, but both are missing"))
        } else if with.members["content"] != nil && json != nil {
            with.report(ValidationIssue(with.path.key("json"), "give 'content' or 'json', not both"))
        }
        _ = content
        _ = with.string("mediaType")
    }

    public func run(_ with: [String: JSONValue], context: StepContext) async throws -> JSONValue {
        var r = context.reader(with)
        let name = r.string("name", required: true) ?? ""
        let content = r.string("content")
        let json = r.value("json")
        let mediaType = r.string("mediaType")
        try context.check(r)
        let bytes: [UInt8]
        var type = mediaType
        if let content {
            bytes = Array(content.utf8)
        } else if let json {
            bytes = JSONWriter.prettyBytes(json)
            if type == nil { type = "application/json" }
        } else {
            throw StepFailure(.invalidInput, "one of 'content' or 'json' is required")
        }
        let entry = try context.artifacts.write(name: name, bytes: bytes, mediaType: type, step: context.stepId)
        return ["name": .string(entry.name), "path": .string(entry.path), "size": .int(entry.size), "sha256": .string(entry.sha256)]
    }
}
