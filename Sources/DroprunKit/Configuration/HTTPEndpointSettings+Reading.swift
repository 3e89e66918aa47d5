extension HTTPEndpointSettings {
    /// Reads `providers.http` (its `endpoints`) into `endpoints`, reporting problems to `reader`.
    static func read(
        _ json: JSONValue, at path: JSONPath, into endpoints: inout [String: HTTPEndpointSettings], reporting reader: inout JSONObjectReader
    ) {
        // Skeleton: the http helper builds this.
        var h = JSONObjectReader(json, at: path)
        _ = h.value("endpoints")
        h.finish()
        reader.report(h.issues)
    }
}
