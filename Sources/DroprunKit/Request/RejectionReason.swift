/// Why a dropped file never became a run: the closed set written to `.error.json` files.
public enum RejectionReason: String, Sendable, CaseIterable, Equatable {
    /// Not JSON, not UTF-8, or nested deeper than the parser allows.
    case invalidJSON = "invalid_json"
    /// JSON, but not a valid request: missing or wrong fields, unknown provider or model, bad reference, unsafe artifact name.
    case invalidRequest = "invalid_request"
    /// The run id (from `id` or the file name) breaks the run-id rules.
    case invalidID = "invalid_id"
    /// A run with this id already exists.
    case duplicate
    /// Larger than `maxRequestBytes`; not read.
    case tooLarge = "too_large"
    /// A symbolic link, folder, FIFO or other non-regular file; never followed or opened.
    case notRegularFile = "not_regular_file"
    /// The system refused to read it (permissions, I/O error).
    case unreadable
    /// A control message (approval, cancel) for a run that does not exist.
    case unknownRun = "unknown_run"
    /// A control message for a run that cannot take it now (already finished, not waiting for approval).
    case invalidState = "invalid_state"
}
