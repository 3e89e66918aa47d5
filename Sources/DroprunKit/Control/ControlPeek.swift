/// What a dropped file is when it is a control message (`"kind": "approval"` or `"cancel"`), read without claiming it.
///
/// `list` uses it so that a control message is never shown as a run: one
/// waiting in the inbox is left out (its run's `status` and `show` name a
/// pending decision), and a refused one is shown as the kind it was.
struct ControlPeek: Sendable, Equatable {
    /// `approval` or `cancel`.
    var kind: String
    /// The run it names, when it names one.
    var runId: String?

    /// Control messages are small; a larger file is not read for its kind.
    static let readLimit = 64 * 1024

    /// The control message at `path`; nil when it is not one (or is not a small regular JSON file).
    static func read(_ path: String, fs: any FileSystem) -> ControlPeek? {
        guard let bytes = try? fs.readRegularFile(path, maxBytes: readLimit) else { return nil }
        return ControlPeek(bytes: bytes)
    }

    /// The control message `bytes` hold; nil when they are not one.
    init?(bytes: [UInt8]) {
        guard let json = try? JSONParser.parse(bytes), let kind = json["kind"]?.stringValue, kind == "approval" || kind == "cancel" else {
            return nil
        }
        self.init(kind: kind, runId: json["runId"]?.stringValue)
    }

    init(kind: String, runId: String?) {
        self.kind = kind
        self.runId = runId
    }
}
