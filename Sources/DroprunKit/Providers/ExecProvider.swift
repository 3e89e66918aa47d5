#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `exec`: runs a command the operator allowed in `droprun.json`, by its alias.
///
/// A request names only an alias (`providers.exec.commands.<alias>`); it can
/// never name a path or a shell line. The program gets `args` as an argument
/// vector (shell characters stay literal), `input` as JSON on standard input,
/// and a minimal environment: `PATH`, `HOME`, `LANG`, `TZ` and the variables
/// the alias's `env` lists, nothing else of the runner's. Its standard output
/// must be JSON: that is the step's output. Its standard error is kept in the
/// step's record (`stderr`, truncated). A non-zero exit fails the step,
/// retryably when the alias lists the code in `retryableExitCodes`. On its
/// time limit, the step's, or a cancel, the child's process group gets
/// SIGTERM and, after `graceMs`, SIGKILL.
///
/// Each attempt gets `DROPRUN_RUN_ID`, `DROPRUN_STEP_ID`, `DROPRUN_ATTEMPT`
/// and `DROPRUN_IDEMPOTENCY_KEY` (`<runId>/<stepId>`, the same for every
/// attempt of the step in the run, so a command run again after a crash can
/// recognise what its first attempt already did). The child exists, and is
/// written down in the step's record, before the command starts (see
/// `StepContext.childStarted`).
public struct ExecProvider: Provider {
    /// Time between SIGTERM and SIGKILL.
    public var graceMs: Int

    public init(graceMs: Int = 2000) { self.graceMs = graceMs }
    public var name: String { "exec" }
    public var summary: String { "runs a command allowed in droprun.json by its alias: 'command', 'args', 'input' (JSON on standard input)" }

    /// The variables every child gets (when the runner has them).
    public static let baseEnvironment = ["PATH", "HOME", "LANG", "TZ"]

    public func validate(_ with: inout JSONObjectReader, context: ValidationContext) {
        let aliases = context.configuration.execCommands.keys.sorted()
        if let alias = with.string("command", required: true), Reference.segments(of: alias) == nil, !aliases.contains(alias) {
            with.report(ValidationIssue(with.path.key("command"), Self.unknownAlias(alias, aliases: aliases)))
        }
        _ = with.stringArray("args")
        _ = with.value("input")
    }

    static func unknownAlias(_ alias: String, aliases: [String]) -> String {
        AllowedAlias.unknown(alias, among: aliases, provider: "exec", kind: "command", key: "providers.exec.commands")
    }

    public func run(_ with: [String: JSONValue], context: StepContext) async throws -> JSONValue {
        var r = context.reader(with)
        let alias = r.string("command", required: true) ?? ""
        let args = r.stringArray("args") ?? []
        let input = r.value("input")
        try context.check(r)
        guard let settings = context.configuration.execCommands[alias] else {
            throw StepFailure(.invalidInput, Self.unknownAlias(alias, aliases: context.configuration.execCommands.keys.sorted()))
        }
        var environment: [String: String] = [:]
        for name in Self.baseEnvironment + settings.env {
            if let value = context.environment[name] { environment[name] = value }
        }
        for (name, value) in Self.attemptEnvironment(context) { environment[name] = value }
        let spec = ProcessSpec(
            path: settings.path, arguments: args, environment: environment, workingDirectory: settings.workingDirectory,
            standardInput: input.map { JSONWriter.compactBytes($0) + [0x0A] } ?? [])
        let process: any RunningProcess
        do {
            process = try await context.launcher.start(spec)
        } catch {
            throw StepFailure(.execStartFailed, "cannot start '\(alias)' (\(settings.path)): \(error)", retryable: false)
        }
        // Written down before the command runs; if that fails, or the attempt was cancelled meanwhile, it never runs.
        do {
            try await context.childStarted(process.identity)
            try Task.checkCancellation()
        } catch {
            process.signal(SIGKILL)
            _ = await process.wait()
            throw error
        }
        do {
            try await process.proceed()
        } catch {
            _ = await process.wait()
            throw StepFailure(.execStartFailed, "cannot start '\(alias)' (\(settings.path)): \(error)", retryable: false)
        }
        let clock = context.clock
        let grace = graceMs
        let stopChild: @Sendable () -> Void = {
            process.signal(SIGTERM)
            Task {
                try? await clock.sleep(for: .milliseconds(grace))
                process.signal(SIGKILL)
            }
        }
        let result: ProcessResult? = try await withTaskCancellationHandler {
            try await withThrowingTaskGroup(of: ProcessResult?.self) { group in
                group.addTask { await process.wait() }
                group.addTask {
                    try await clock.sleep(for: .milliseconds(settings.timeoutMs))
                    return nil
                }
                guard let first = try await group.next() else { return nil }
                group.cancelAll()
                if first == nil {
                    // The alias's time limit: stop the child, then collect what it left.
                    stopChild()
                    _ = await process.wait()
                }
                return first
            }
        } onCancel: {
            stopChild()
        }
        try Task.checkCancellation()
        guard let result else {
            throw StepFailure(
                .stepTimeout,
                "'\(alias)' ran longer than its \(settings.timeoutMs) ms limit; it was stopped (SIGTERM, then SIGKILL after \(grace) ms)")
        }
        let stderr = String(decoding: result.standardError, as: UTF8.self)
        if !stderr.isEmpty { context.log.set(stderr) }
        if let code = result.exitCode, code != 0 {
            throw StepFailure(
                .execExit, "'\(alias)' exited with status \(code)" + Self.firstLine(stderr),
                retryable: settings.retryableExitCodes.contains(Int(code)))
        }
        if let signal = result.signal {
            throw StepFailure(.execSignal, "'\(alias)' was ended by signal \(signal)" + Self.firstLine(stderr), retryable: false)
        }
        do {
            return try JSONParser.parse(result.standardOutput)
        } catch {
            let printed = String(decoding: result.standardOutput.prefix(200), as: UTF8.self)
            throw StepFailure(.execBadOutput, Self.badOutput(step: context.stepId, alias: alias, error: error, printed: printed), retryable: false)
        }
    }

    /// The variables that tell the command which attempt it is.
    static func attemptEnvironment(_ context: StepContext) -> [String: String] {
        [
            "DROPRUN_RUN_ID": context.runId, "DROPRUN_STEP_ID": context.stepId, "DROPRUN_ATTEMPT": String(context.attempt),
            "DROPRUN_IDEMPOTENCY_KEY": context.runId + "/" + context.stepId,
        ]
    }

    /// What `exec_bad_output` says: what was expected, what came, and how to fix the command.
    static func badOutput(step: String, alias: String, error: any Error, printed: String) -> String {
        "step '\(step)': '\(alias)' did not print JSON (\(error)); droprun reads the command's standard output as one JSON value, "
            + "the step's output (print {} when there is nothing to return), so make it print only that there and write logs and "
            + "progress to standard error; it printed: \(printed.isEmpty ? "(nothing)" : JSONWriter.compact(.string(printed)))"
    }

    private static func firstLine(_ stderr: String) -> String {
        guard let line = stderr.split(separator: "\n").first(where: { !$0.isEmpty }) else { return "" }
        return ": " + String(line.prefix(200))
    }
}
