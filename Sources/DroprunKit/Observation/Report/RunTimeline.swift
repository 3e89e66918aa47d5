import Foundation

/// One run's steps laid out in time: a lane per step, a segment per attempt, the backoff between attempts, the approval waits.
///
/// Built from the run's result and, where the result cannot tell (attempt
/// boundaries, when a wait began and ended), its audit events. A step with
/// no events falls back on its record: one bar from its start to its end
/// (an approval step's bar is its wait), saying how many attempts it took.
struct RunTimeline: Sendable, Equatable {
    /// What a stretch of a lane is.
    enum Kind: Sendable, Equatable {
        /// An attempt (1-based) running.
        case attempt(Int)
        /// Waiting before the next attempt (a retry's backoff).
        case backoff
        /// Waiting for an approval.
        case wait
    }

    /// How a stretch ended.
    enum Outcome: String, Sendable, Equatable {
        /// The attempt succeeded (an approval: approved).
        case succeeded
        /// The attempt failed for good (an approval: rejected or expired).
        case failed
        /// The attempt failed and the step was tried again.
        case retried
        /// The attempt was cut short (its runner stopped or died; another took the run over).
        case interrupted
        /// The stretch ended without an outcome of its own (a wait that was answered, a backoff).
        case done
    }

    /// One stretch of a lane.
    struct Segment: Sendable, Equatable {
        var kind: Kind
        var start: Date
        var end: Date
        var outcome: Outcome
        /// Words for the tooltip (a retry's error, a wait's length).
        var note: String = ""
    }

    /// One step's lane.
    struct Lane: Sendable, Equatable {
        var step: String
        var provider: String
        var status: StepStatus
        var attempts: Int
        var segments: [Segment] = []
        /// True when the segments come from the audit (attempt boundaries are known).
        var fromAudit = false
    }

    var runId: String
    var workflow: String
    var status: RunStatus
    /// When the run was created, started and finished.
    var createdAt: Date
    var start: Date
    var end: Date
    var lanes: [Lane]
    /// Time spent waiting for approvals, as the record says.
    var waitedMs: Int

    /// Attempts beyond the first, in words: retries (`1 retry`) and attempts run again after an interruption
    /// (`1 run again after an interruption`) where the audit tells them apart, `N attempts beyond the first` where
    /// only the record speaks (its attempt count holds both). Empty when every step ran once.
    var attemptsAgain: [String] {
        let audited = lanes.filter(\.fromAudit).flatMap(\.segments)
        let retried = audited.filter { $0.outcome == .retried }.count
        let interrupted = audited.filter { $0.outcome == .interrupted }.count
        let unknown = lanes.filter { !$0.fromAudit }.reduce(0) { $0 + max($1.attempts - 1, 0) }
        var words: [String] = []
        if retried > 0 { words.append("\(retried) retr\(retried == 1 ? "y" : "ies")") }
        if interrupted > 0 { words.append("\(interrupted) run again after an interruption") }
        if unknown > 0 { words.append("\(unknown) attempt\(unknown == 1 ? "" : "s") beyond the first") }
        return words
    }

    /// Lays out `record` (a finished run), with its audit `events` in time order (empty when none were found).
    init(record: RunRecord, events: [TimelineEvent]) {
        runId = record.runId
        workflow = record.workflowName
        status = record.status
        createdAt = record.createdAt
        waitedMs = record.waitedMs
        let runEnd = record.finishedAt ?? record.steps.compactMap(\.finishedAt).max() ?? record.startedAt ?? record.createdAt
        lanes = record.steps.map { step in
            let own = events.filter { $0.step == step.id || ($0.kind == .recovered && $0.step == nil) }
            var lane = Lane(step: step.id, provider: step.provider, status: step.status, attempts: step.attempts)
            if own.contains(where: { $0.step == step.id && $0.kind == .stepStarted }) {
                lane.segments = Self.segments(own, stepEnd: step.finishedAt ?? runEnd)
                lane.fromAudit = true
            } else {
                lane.segments = Self.segments(from: step)
            }
            return lane
        }
        let first = lanes.flatMap(\.segments).map(\.start).min()
        start = min(record.startedAt ?? first ?? record.createdAt, first ?? .distantFuture)
        end = max(runEnd, lanes.flatMap(\.segments).map(\.end).max() ?? runEnd)
    }

    /// A step's stretches told by its events (about it, and `run.recovered`), closing what is left open at `stepEnd`.
    static func segments(_ events: [TimelineEvent], stepEnd: Date) -> [Segment] {
        var segments: [Segment] = []
        var open: Segment?
        func close(at time: Date, _ outcome: Outcome, note: String = "") {
            guard var segment = open else { return }
            segment.end = max(time, segment.start)
            segment.outcome = outcome
            if !note.isEmpty { segment.note = note }
            segments.append(segment)
            open = nil
        }
        var attempt = 1
        for event in events {
            switch event.kind {
            case .stepStarted:
                if case .attempt = open?.kind { close(at: event.at, .interrupted, note: "cut short") } else { close(at: event.at, .done) }
                attempt = event.attempt ?? attempt
                open = Segment(kind: .attempt(attempt), start: event.at, end: event.at, outcome: .done)
            case .stepRetry:
                close(at: event.at, .retried, note: failureText(event))
                let delay = event.delayMs.map { "retry in \(HTMLText.duration(ms: $0))" } ?? "retry"
                open = Segment(kind: .backoff, start: event.at, end: event.at, outcome: .done, note: delay)
            case .stepSucceeded:
                if open?.kind == .wait {
                    close(at: event.at, .succeeded, note: "approved")
                } else {
                    close(at: event.at, .succeeded)
                }
            case .stepFailed:
                close(at: event.at, .failed, note: failureText(event))
            case .waitingApproval:
                close(at: event.at, .done)
                open = Segment(kind: .wait, start: event.at, end: event.at, outcome: .done, note: "waiting for approval")
            case .resumed:
                close(at: event.at, .succeeded, note: "approved")
                open = Segment(kind: .attempt(attempt), start: event.at, end: event.at, outcome: .done)
            case .recovered:
                if case .attempt = open?.kind { close(at: event.at, .interrupted, note: "cut short: another runner took the run over") }
            }
        }
        if let segment = open {
            if case .attempt = segment.kind { close(at: stepEnd, .done) } else { close(at: max(stepEnd, segment.start), .done) }
        }
        // A wait's note says how long it lasted; an empty stretch after an approval (the step's own end) is dropped.
        return segments.enumerated().compactMap { index, segment in
            var segment = segment
            if segment.kind == .wait { segment.note += " (\(HTMLText.duration(ms: segment.end.milliseconds(since: segment.start))))" }
            if case .attempt = segment.kind, segment.end == segment.start, index > 0, segments[index - 1].kind == .wait { return nil }
            return segment
        }
    }

    /// A step's one stretch told by its record alone (no events found).
    static func segments(from step: StepRecord) -> [Segment] {
        guard let started = step.startedAt else { return [] }
        let end = step.finishedAt ?? started
        let outcome: Outcome =
            switch step.status {
            case .succeeded: .succeeded
            case .failed: .failed
            default: .interrupted
            }
        if step.provider == "approval" {
            return [Segment(kind: .wait, start: started, end: end, outcome: outcome, note: "waiting for approval")]
        }
        let note = step.attempts > 1 ? "\(step.attempts) attempts (their times are not in the audit segments found)" : ""
        return [Segment(kind: .attempt(max(step.attempts, 1)), start: started, end: end, outcome: outcome, note: note)]
    }

    /// `code: message` of a failed attempt.
    private static func failureText(_ event: TimelineEvent) -> String {
        [event.code, event.message].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ": ")
    }
}
