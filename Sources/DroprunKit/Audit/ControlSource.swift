/// The dropped control message an event names: its file name and SHA-256, so a replay after a crash is recognised.
public struct ControlSource: Sendable, Equatable {
    /// The file's name as dropped.
    public var file: String
    /// The SHA-256 of its bytes.
    public var sha256: String

    public init(file: String, sha256: String) {
        self.file = file
        self.sha256 = sha256
    }
}
