import Foundation

/// One line of a runner's log, before it is written as text or JSON.
///
/// Text: the time, a space, then `message` (the words `watch` and `run --once`
/// always wrote): `2026-12-02T10:00:00.123Z succeeded invoice-1  12 ms`.
///
/// JSON (`--log-format json`): one object per line, members in this order:
/// `at`, `level`, `event`, `message` always; `runId`, `status`,
/// `durationMs`, `error`, `file`, `runner`, `count`, `bytes` only where they
/// say something (absent, never null). `message` is the text line's words.
public struct LogLine: Sendable, Equatable {
    /// When (the runner's clock).
    public var at: Date
    /// How much it matters.
    public var level: LogLevel
    /// What it is about.
    public var event: LogEvent
    /// The words, as the text format writes them after the time.
    public var message: String
    /// The run it is about.
    public var runId: String?
    /// The run's status (`run.finished`).
    public var status: String?
    /// The run's duration (`run.finished`).
    public var durationMs: Int?
    /// An error code (a failed run's), or a rejection reason (`run.rejected`).
    public var error: String?
    /// The file as dropped (runs, rejections, control messages).
    public var file: String?
    /// The runner the line is about when it is not this one (`runner.takeover`: the dead runner; `lease.lost`: this one).
    public var runner: String?
    /// How many (`runner.takeover`: runs and claims taken over; `gc.purged`: runs removed).
    public var count: Int?
    /// Bytes (`gc.purged`: freed).
    public var bytes: Int64?

    public init(
        at: Date, event: LogEvent, level: LogLevel? = nil, message: String, runId: String? = nil, status: String? = nil,
        durationMs: Int? = nil, error: String? = nil, file: String? = nil, runner: String? = nil, count: Int? = nil, bytes: Int64? = nil
    ) {
        self.at = at
        self.event = event
        self.level = level ?? event.level
        self.message = message
        self.runId = runId
        self.status = status
        self.durationMs = durationMs
        self.error = error
        self.file = file
        self.runner = runner
        self.count = count
        self.bytes = bytes
    }

    /// The line in `format`, without its newline (text with or without the time in front).
    public func rendered(_ format: LogFormat, stamped: Bool = true) -> String {
        switch format {
        case .text: stamped ? Timestamp.format(at) + " " + message : message
        case .json: json
        }
    }

    /// The JSON form: members in a fixed order, absent when they say nothing.
    public var json: String {
        var out: [UInt8] = []
        out.reserveCapacity(128 + message.utf8.count)
        out.append(UInt8(ascii: "{"))
        func member(_ name: String, _ value: JSONValue) {
            if out.count > 1 { out.append(UInt8(ascii: ",")) }
            JSONWriter.appendString(name, to: &out)
            out.append(UInt8(ascii: ":"))
            JSONWriter.appendCompact(value, to: &out)
        }
        member("at", .string(Timestamp.format(at)))
        member("level", .string(level.rawValue))
        member("event", .string(event.rawValue))
        if let runId { member("runId", .string(runId)) }
        if let status { member("status", .string(status)) }
        if let durationMs { member("durationMs", .int(durationMs)) }
        if let error { member("error", .string(error)) }
        if let file { member("file", .string(file)) }
        if let runner { member("runner", .string(runner)) }
        if let count { member("count", .int(count)) }
        if let bytes { member("bytes", .number(JSONNumber(bytes))) }
        member("message", .string(message))
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }
}
