/// One file a run wrote, as records and the manifest list it.
public struct ArtifactEntry: Sendable, Equatable {
    /// The name the step gave (a relative path).
    public var name: String
    /// The path from the root: `artifacts/<runId>/<name>`.
    public var path: String
    /// Size in bytes.
    public var size: Int
    /// Lowercase hex SHA-256 of the bytes.
    public var sha256: String
    /// The media type given, or guessed from the name.
    public var mediaType: String
    /// The step that wrote it.
    public var step: String

    public init(name: String, path: String, size: Int, sha256: String, mediaType: String, step: String) {
        self.name = name
        self.path = path
        self.size = size
        self.sha256 = sha256
        self.mediaType = mediaType
        self.step = step
    }

    /// As records and the manifest write it.
    public var json: JSONValue {
        [
            "name": .string(name), "path": .string(path), "size": .int(size), "sha256": .string(sha256),
            "mediaType": .string(mediaType), "step": .string(step),
        ]
    }

    /// Reads an entry back from a record.
    public init?(json: JSONValue) {
        guard let name = json["name"]?.stringValue, let path = json["path"]?.stringValue, let size = json["size"]?.intValue,
            let sha = json["sha256"]?.stringValue, let media = json["mediaType"]?.stringValue, let step = json["step"]?.stringValue
        else { return nil }
        self.init(name: name, path: path, size: size, sha256: sha, mediaType: media, step: step)
    }
}
