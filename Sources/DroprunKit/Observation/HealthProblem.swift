/// One thing `droprun health` found wrong with a root: its kind, what it is about, and what to do.
public struct HealthProblem: Sendable, Equatable {
    /// The closed set of problems, each with a stable code (`rawValue`) for scripts and alert rules.
    public enum Kind: String, Sendable, CaseIterable {
        /// No runner holds a live heartbeat in `outbox/runners/`: nothing takes drops (unless `health.requireRunner` is false).
        case noLiveRunner = "no_live_runner"
        /// A live runner claimed and finished nothing for `health.stallSeconds` while drops that old wait in the inbox.
        case runnerStalled = "runner_stalled"
        /// The oldest drop in `inbox/` is older than `health.maxQueueAgeSeconds`.
        case queueTooOld = "queue_too_old"
        /// A run waits for an approval past its expiry (not yet failed by a runner), or longer than `health.maxApprovalWaitSeconds`.
        case approvalOverdue = "approval_overdue"
        /// A run held by a dead runner (a live record, a claim or a checkpoint log) was not taken over within twice `leaseSeconds`.
        case runNotTakenOver = "run_not_taken_over"
        /// A live record in `outbox/running/` cannot be read: its run is stuck.
        case unreadableRecord = "unreadable_record"
        /// The kept request (or workflow definition) of a live run is missing, unreadable or changed: the run cannot resume.
        case unreadableRequest = "unreadable_request"
        /// A runner's checkpoint log (`outbox/checkpoints/`) cannot be read whole: runs in it may resume from an older state.
        case unreadableCheckpointLog = "unreadable_checkpoint_log"
        /// An audit hash chain is broken (`--deep` only; the same check as `droprun audit verify`).
        case auditBroken = "audit_broken"
        /// `droprun.json` cannot be used (each issue named by its JSON path): the rest was judged with the defaults, and
        /// `watch`, `run --once` and `submit` refuse the root until it is fixed.
        case configurationInvalid = "configuration_invalid"

        /// What to do about it, in general (a problem's `fix` may say more).
        public var advice: String {
            switch self {
            case .noLiveRunner:
                "start droprun watch (systemctl start droprun-watch), or see why it stopped (journalctl -u droprun-watch); for a root served by run --once from cron, set health.requireRunner to false"
            case .runnerStalled:
                "look at what the runner is doing (its log, its exec children); restart it (systemctl restart droprun) and its runs are taken over; if its runs are slow on purpose, raise health.stallSeconds"
            case .queueTooOld:
                "add runners or concurrency, or find why drops are not taken (droprun status NAME; a file droprun cannot read or rename stays in inbox/)"
            case .approvalOverdue:
                "approve, reject or cancel the run (droprun approve|reject|cancel RUN_ID); an expired approval is failed by the next runner that looks, so check that one runs"
            case .runNotTakenOver:
                "start a runner if none lives; if one does, read its log for why it cannot take the run over (a permission or a full disk)"
            case .unreadableRecord:
                "repair the record or move it aside; the request that started the run is kept in outbox/requests/, and droprun retry can run it again"
            case .unreadableRequest:
                "put back the request the run was admitted with (from a backup, or the system that dropped it), or cancel the run (droprun cancel RUN_ID)"
            case .unreadableCheckpointLog:
                "check the file's permissions and the disk; a damaged line is skipped, and its run resumes from its live record"
            case .auditBroken:
                "run droprun audit verify for the first broken line; restore the segment from a backup if it was changed or cut"
            case .configurationInvalid:
                "fix the keys named in droprun.json (the README's Configuration table gives each one's range), then reload the runner (systemctl reload droprun-watch)"
            }
        }
    }

    /// What kind of problem.
    public var kind: Kind
    /// What is wrong, in words.
    public var message: String
    /// What to do; the kind's advice unless the problem knows better.
    public var fix: String
    /// The run it is about.
    public var runId: String?
    /// The file it is about, relative to the root.
    public var file: String?
    /// The runner it is about (its folder name, `host-pid-instance`).
    public var runner: String?
    /// How long it has been so, in seconds (rounded down).
    public var ageSeconds: Int?

    public init(
        _ kind: Kind, _ message: String, fix: String? = nil, runId: String? = nil, file: String? = nil, runner: String? = nil, ageSeconds: Int? = nil
    ) {
        self.kind = kind
        self.message = message
        self.fix = fix ?? kind.advice
        self.runId = runId
        self.file = file
        self.runner = runner
        self.ageSeconds = ageSeconds
    }

    /// The problem of a `droprun.json` that cannot be used: every issue with its JSON path, about the file (relative to the root).
    public static func configurationInvalid(_ error: ConfigurationError, file: String) -> HealthProblem {
        HealthProblem(
            .configurationInvalid,
            "\(file) cannot be used (\(error.issues.map(\.description).joined(separator: "; "))); the root was judged with the default thresholds",
            file: file)
    }

    /// The stable code: `no_live_runner`, `runner_stalled`, ...
    public var code: String { kind.rawValue }

    /// One line: `code: what; what to do`.
    public var line: String { "\(code): \(message); \(fix)" }

    /// As `health --json` prints it.
    public var json: JSONValue {
        var members: [String: JSONValue] = ["code": .string(code), "message": .string(message), "fix": .string(fix)]
        if let runId { members["runId"] = .string(runId) }
        if let file { members["file"] = .string(file) }
        if let runner { members["runner"] = .string(runner) }
        if let ageSeconds { members["ageSeconds"] = .int(ageSeconds) }
        return .object(members)
    }
}
