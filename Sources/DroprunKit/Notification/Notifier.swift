/// Sends a run's notifications (`notifications` in `droprun.json`, or its workflow's `notify`) in the background.
///
/// Never fails or holds up the run: `announce` returns at once; delivery is
/// retried with backoff and each outcome recorded in the run's audit
/// (`notification.sent`, `notification.failed`).
public struct Notifier: Sendable {
    public init() {}

    /// Queues the notification of `kind` for `record` (run under `workflow`), when a notification is configured for it.
    func announce(_ kind: NotificationKind, record: RunRecord, workflow: Workflow, context: EngineContext) {
        // Skeleton: the notifications helper builds this.
    }

    /// Waits until queued notifications are delivered or given up, at most `limit` (a runner that stops calls it).
    public func drain(within limit: Duration) async {
        // Skeleton: the notifications helper builds this.
    }
}
