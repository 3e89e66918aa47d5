import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Runner {
    /// What admitting a claimed file led to.
    struct Admitted {
        /// Outcomes settled at once: a rejection, or an applied control message and what it ended.
        var outcomes: [RunOutcome] = []
        /// The run to start, when the file became one.
        var run: Work?
        /// True when the file was a control message (it may have made a run resumable).
        var wasControl = false
        /// True when the file did not parse while it may still be being written: it stays claimed, to be read again.
        var isIncomplete = false
    }

    /// Admits a claimed file: rejects it (durably, before saying so), applies it as a control message, or returns the run to start.
    ///
    /// A failure of this one file (the disk refused a write, a link, a rename)
    /// never stops the runner: the file stays claimed, an outcome says so, and
    /// it is tried again later (see `DeferredClaims`).
    func admit(_ claimed: ClaimedFile) async throws -> Admitted {
        let admission: Admission
        do {
            admission = try intake.admit(claimed)
        } catch {
            return postpone(claimed, error)
        }
        if case .control = admission {} else { deferred.settled(claimed.path) }
        switch admission {
        case .rejected(let rejection, _):
            try await context.commit()
            return Admitted(outcomes: [
                RunOutcome(
                    kind: .rejected(rejection.reason), file: claimed.name, runId: nil, durationMs: nil,
                    detail: rejection.issues.first?.description)
            ])
        case .control(let message, let file):
            do {
                let outcomes = try await ControlDesk(context: context, intake: intake).apply(message, file: file)
                deferred.settled(claimed.path)
                return Admitted(outcomes: outcomes, wasControl: true)
            } catch let error as FileSystemError {
                // Applied again later as a recovered claim, so a decision already recorded is not applied twice.
                return postpone(claimed, error)
            } catch {
                // Anything else a message meets (a record in a shape no transition fits) is this message's problem, never
                // the batch's: it is rejected with the reason, or tried again later if even that cannot be written.
                return rejectControl(message, file, error)
            }
        case .nothing:
            return Admitted()
        case .incomplete:
            return Admitted(isIncomplete: true)
        case .run(let record, let request, let claimPath):
            context.activity.claimed(at: context.clock.now())
            return Admitted(run: .admitted(record, request, claimPath: claimPath, file: claimed.name))
        }
    }

    /// What is said of an inbox file that could not be taken (left in the inbox, for a later runner).
    static func untaken(_ candidate: InboxCandidate, _ error: any Error) -> RunOutcome {
        let refused = (error as? FileSystemError).map { $0.code == EPERM || $0.code == EACCES } ?? false
        let hint =
            refused
            ? " (in an inbox with the sticky bit, only the file's owner or the inbox folder's owner may move it: let the runner's user own the inbox)"
            : ""
        return RunOutcome(
            kind: .deferred, file: candidate.name, runId: nil, durationMs: nil,
            detail: "cannot take it from the inbox: \(error); it stays there\(hint)")
    }

    /// Rejects a control message that could not be applied (not for a reason of the disk), naming the error.
    private func rejectControl(_ message: ControlMessage, _ file: ClaimedFile, _ error: any Error) -> Admitted {
        let rejection = Rejection(
            .invalidState, "the \(message.verb) of run '\(message.runId)' could not be applied: \(error)", path: JSONPath.root.key("runId"))
        do {
            _ = try intake.reject(file, rejection)
        } catch {
            return postpone(file, error)
        }
        deferred.settled(file.path)
        return Admitted(
            outcomes: [
                RunOutcome(
                    kind: .rejected(rejection.reason), file: file.name, runId: message.runId, durationMs: nil,
                    detail: rejection.issues.first?.description)
            ], wasControl: true)
    }

    /// Keeps a file that could not be admitted for a later try, and says so.
    private func postpone(_ claimed: ClaimedFile, _ error: any Error) -> Admitted {
        let wait = deferred.postpone(claimed, now: context.clock.now())
        let detail = "\(error); it stays in \(context.layout.relative(claimed.path)) and is tried again in \(Int(wait)) s, or by the next runner"
        return Admitted(outcomes: [RunOutcome(kind: .deferred, file: claimed.name, runId: nil, durationMs: nil, detail: detail)])
    }
}
