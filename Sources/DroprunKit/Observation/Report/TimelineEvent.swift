import Foundation

/// One audit event that shapes a step timeline: an attempt's start or end, a retry's backoff, an approval wait.
struct TimelineEvent: Sendable, Equatable {
    /// What happened.
    enum Kind: String, Sendable {
        /// An attempt began (`step.started`).
        case stepStarted = "step.started"
        /// An attempt failed and will be tried again (`step.retry`).
        case stepRetry = "step.retry"
        /// The step succeeded (`step.succeeded`).
        case stepSucceeded = "step.succeeded"
        /// The step failed for good (`step.failed`).
        case stepFailed = "step.failed"
        /// The run paused at an approval step (`run.waiting_approval`).
        case waitingApproval = "run.waiting_approval"
        /// The run went on after an approval (`run.resumed`).
        case resumed = "run.resumed"
        /// Another runner took the run over (`run.recovered`): what was in progress was cut short.
        case recovered = "run.recovered"
    }

    var at: Date
    var kind: Kind
    /// The step it is about (none for `run.recovered`).
    var step: String?
    var attempt: Int?
    /// `step.retry`'s wait before the next attempt.
    var delayMs: Int?
    var code: String?
    var message: String?

    init(at: Date, kind: Kind, step: String?, attempt: Int? = nil, delayMs: Int? = nil, code: String? = nil, message: String? = nil) {
        self.at = at
        self.kind = kind
        self.step = step
        self.attempt = attempt
        self.delayMs = delayMs
        self.code = code
        self.message = message
    }

    /// Reads an audit line's JSON; nil for an event that does not shape a timeline.
    init?(json: JSONValue) {
        guard let name = json["event"]?.stringValue, let kind = Kind(rawValue: name),
            let at = json["at"]?.stringValue.flatMap(Timestamp.parse)
        else { return nil }
        let data = json["data"]
        self.init(
            at: at, kind: kind, step: data?["step"]?.stringValue, attempt: data?["attempt"]?.intValue, delayMs: data?["delayMs"]?.intValue,
            code: data?["code"]?.stringValue, message: data?["message"]?.stringValue)
    }
}

/// Reads the timeline events of a few runs from the audit: only the segments that can hold them.
///
/// Those are the segments a run's index line names (with the ones between
/// the two it names) and the segments written while the run lived, of any
/// chain (a run that waited for an approval was resumed by another runner, a
/// run taken over after a crash): `AuditRunSegments`, as `audit RUN_ID`
/// finds them. Each segment is read once for all the runs, in chunks, and
/// only lines holding one of their `"runId":"…"` are parsed.
struct TimelineEventReader {
    let layout: RootLayout
    let fileSystem: any FileSystem

    /// One run to read events for.
    struct Run {
        var runId: String
        var createdAt: Date
        var finishedAt: Date
        /// The index line's `audit` member (empty when the window came from the results).
        var audit: [String]
    }

    /// The events of `runs`, by run id, in time order (then file order).
    func events(_ runs: [Run]) -> [String: [TimelineEvent]] {
        guard !runs.isEmpty else { return [:] }
        let finder = AuditRunSegments(layout: layout, fileSystem: fileSystem)
        var segments: Set<String> = []
        for run in runs {
            segments.formUnion(finder.spanned(Set(run.audit)))
            segments.formUnion((try? finder.overlapping(from: run.createdAt, through: run.finishedAt)) ?? [])
        }
        let wanted = Set(runs.map(\.runId))
        let needles = runs.map { AuditRunSegments.runIdNeedle($0.runId) }
        let reader = AuditLineReader(fileSystem: fileSystem)
        var found: [String: [(event: TimelineEvent, order: Int)]] = [:]
        var order = 0
        for name in segments.sorted() {
            _ = try? reader.read(Path.join(layout.audit, name), needles: needles) { line in
                guard let json = try? RecordReader.parse(Array(line.bytes)), let runId = json["runId"]?.stringValue, wanted.contains(runId),
                    let event = TimelineEvent(json: json)
                else { return true }
                order += 1
                found[runId, default: []].append((event, order))
                return true
            }
        }
        return found.mapValues { list in
            list.sorted { $0.event.at != $1.event.at ? $0.event.at < $1.event.at : $0.order < $1.order }.map(\.event)
        }
    }
}
