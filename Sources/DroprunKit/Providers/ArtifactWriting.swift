/// Where providers write artifacts.
public protocol ArtifactWriting: Sendable {
    /// Writes `bytes` as `artifacts/<runId>/<name>` and returns its entry.
    func write(name: String, bytes: [UInt8], mediaType: String?, step: String) throws(StepFailure) -> ArtifactEntry
}
