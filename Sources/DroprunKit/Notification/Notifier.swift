import Foundation
import Synchronization

/// Sends a run's notifications (`notifications` in `droprun.json`, or its workflow's `notify`) in the background.
///
/// Never fails or holds up the run: `announce` returns at once; delivery is
/// retried with backoff and each outcome recorded in the run's audit
/// (`notification.sent`, `notification.failed`). Deliveries live in this
/// runner's memory: a runner that stops waits for them (`drain`) at most
/// `drainLimit`; one killed loses those not yet delivered.
public struct Notifier: Sendable {
    /// How long a stopping runner waits for deliveries still being tried.
    public static let drainLimit: Duration = .seconds(30)

    private let deliveries = Deliveries()

    public init() {}

    /// Queues the notification of `kind` for `record` (run under `workflow`), when a notification is configured for it.
    func announce(_ kind: NotificationKind, record: RunRecord, workflow: Workflow, context: EngineContext) {
        guard let settings = workflow.notify ?? context.configuration.notifications, settings.on.contains(kind) else { return }
        let audit = context.audit
        let clock = context.clock
        let runId = record.runId
        guard
            let client = EndpointClient(
                alias: settings.endpoint, configuration: context.configuration, transport: context.http, environment: context.environment)
        else {
            // Checked when the run was admitted; the configuration changed since.
            let error = HTTPEndpointSettings.notAnEndpoint(settings.endpoint, among: context.configuration.httpEndpoints.keys.sorted())
            try? audit.record(
                .notificationFailed(kind: kind, endpoint: settings.endpoint, path: settings.path, attempts: 0, error: error), runId: runId,
                at: clock.now())
            return
        }
        let body = JSONWriter.compactBytes(NotificationSummary.json(kind, record: record, at: clock.now()))
        let delivery = Delivery(kind: kind, settings: settings, client: client, body: body, runId: runId, audit: audit, clock: clock)
        deliveries.start { await delivery.run() }
    }

    /// Waits until queued notifications are delivered or given up, at most `limit` on `clock`; then gives up the
    /// rest (each recorded as `notification.failed`). A runner that stops calls it.
    public func drain(within limit: Duration = Notifier.drainLimit, clock: any RunnerClock) async {
        let pending = deliveries.current
        guard !pending.isEmpty else { return }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for task in pending { await task.value }
            }
            group.addTask { try? await clock.sleep(for: limit) }
            _ = await group.next()
            // Awaiting a task's value does not cancel it: what is still being tried is given up here, and the group
            // then waits for it to say so (each delivery ends at once when cancelled).
            for task in deliveries.current { task.cancel() }
            group.cancelAll()
        }
    }

    /// Deliveries not ended yet (for tests and `drain`).
    var inFlight: Int { deliveries.current.count }
}

extension Notifier {
    /// The tasks delivering notifications, each removed when it ends.
    fileprivate final class Deliveries: Sendable {
        private let tasks = Mutex<(next: Int, running: [Int: Task<Void, Never>])>((0, [:]))

        var current: [Task<Void, Never>] { tasks.withLock { Array($0.running.values) } }

        func start(_ body: @escaping @Sendable () async -> Void) {
            tasks.withLock { state in
                let id = state.next
                state.next += 1
                state.running[id] = Task { [weak self] in
                    await body()
                    _ = self?.tasks.withLock { $0.running.removeValue(forKey: id) }
                }
            }
        }
    }

    /// One notification, tried until delivered, refused for good, out of attempts, or cancelled by a stopping runner.
    fileprivate struct Delivery: Sendable {
        let kind: NotificationKind
        let settings: NotificationSettings
        let client: EndpointClient
        let body: [UInt8]
        let runId: String
        let audit: AuditLog
        let clock: any RunnerClock

        func run() async {
            var attempt = 0
            var lastError = ""
            while attempt < settings.maxAttempts {
                attempt += 1
                let failure: StepFailure
                do {
                    let call = EndpointCall(method: "POST", path: settings.path, headers: ["Content-Type": "application/json"], body: body)
                    let response = try await client.exchange(call)
                    guard let refused = client.statusFailure(response, now: clock.now()) else {
                        record(
                            .notificationSent(
                                kind: kind, endpoint: settings.endpoint, path: settings.path, status: response.status, attempts: attempt))
                        return
                    }
                    failure = refused
                } catch {
                    failure = error
                }
                if Task.isCancelled {
                    lastError = "the runner stopped before it was delivered (last: \(failure.code): \(failure.message))"
                    break
                }
                lastError = "\(failure.code): \(failure.message)"
                // A refusal that will not change (a 4xx, a missing secret, a redirect off the endpoint) is not tried again.
                guard failure.retryable, attempt < settings.maxAttempts else { break }
                let delay = min(max(settings.delayMs(afterAttempt: attempt), failure.retryAfterMs ?? 0), NotificationSettings.maxBackoffMs)
                do {
                    try await clock.sleep(for: .milliseconds(delay))
                } catch {
                    lastError = "the runner stopped before it was delivered (last: \(lastError))"
                    break
                }
            }
            record(.notificationFailed(kind: kind, endpoint: settings.endpoint, path: settings.path, attempts: attempt, error: lastError))
        }

        private func record(_ event: AuditEvent) {
            try? audit.record(event, runId: runId, at: clock.now())
        }
    }
}
