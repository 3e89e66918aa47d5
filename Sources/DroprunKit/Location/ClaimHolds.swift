/// What the runners' claim folders hold at one moment (see `RunLocator.claimHolds`).
struct ClaimHolds: Sendable {
    /// Run ids named by a claim or a record being taken over, and the runner (folder name) holding each.
    var runIds: [String: String] = [:]
    /// The inodes of every file in a claim folder, and the runner holding each.
    var inodes: [UInt64: String] = [:]
}
