extension NotificationSettings {
    /// Reads a `notifications` (or a workflow's `notify`) object; nil when it has problems (reported to `reader`).
    static func read(_ json: JSONValue, at path: JSONPath, reporting reader: inout JSONObjectReader) -> NotificationSettings? {
        // Skeleton: the notifications helper builds this.
        var n = JSONObjectReader(json, at: path)
        let endpoint = n.string("endpoint", required: true)
        n.finish()
        reader.report(n.issues)
        return endpoint.map { NotificationSettings(endpoint: $0) }
    }
}
