import Synchronization

/// What a run's step tasks tell the executor that owns the run's record, taken by it in batches.
final class StepMailbox: Sendable {
    /// One message from a step task.
    enum Message: Sendable {
        /// The attempt ended as `result`.
        case ended(StepAttempt, StepAttempt.Result)
        /// The backoff before the next attempt at `slot` ended.
        case backoffEnded(StepSlot, StepAttempt.BackoffEnd)
        /// The command of the attempt at `slot` started as `child`: the executor writes it into the record, then
        /// answers `reply` (the command runs only once it is in the record).
        case childStarted(StepSlot, child: ProcessIdentity, reply: CheckedContinuation<Void, any Error>)
    }

    private struct State {
        var messages: [Message] = []
        var waiter: CheckedContinuation<[Message], Never>?
    }

    private let state = Mutex(State())

    /// Leaves `message` for the executor (waking it if it waits).
    func post(_ message: Message) {
        let waiter = state.withLock { state -> CheckedContinuation<[Message], Never>? in
            guard let waiter = state.waiter else {
                state.messages.append(message)
                return nil
            }
            state.waiter = nil
            return waiter
        }
        waiter?.resume(returning: [message])
    }

    /// Every message left so far, waiting for the first when there is none (not cut short by cancellation: each step
    /// task posts its end whatever happens, so the executor always has one to wait for).
    func takeAll() async -> [Message] {
        await withCheckedContinuation { waiter in
            let ready = state.withLock { state -> [Message]? in
                guard !state.messages.isEmpty else {
                    state.waiter = waiter
                    return nil
                }
                let messages = state.messages
                state.messages = []
                return messages
            }
            if let ready { waiter.resume(returning: ready) }
        }
    }

    /// What the attempt at `slot` calls when its command's child started: posts it, and returns once it is recorded.
    func childRecorder(_ slot: StepSlot) -> @Sendable (ProcessIdentity) async throws -> Void {
        { [self] child in
            try await withCheckedThrowingContinuation { reply in post(.childStarted(slot, child: child, reply: reply)) }
        }
    }
}
