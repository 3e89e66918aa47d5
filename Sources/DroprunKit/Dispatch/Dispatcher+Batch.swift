import Foundation

extension Dispatcher {
    /// What one look at the work found: what to say, and what to run.
    struct Batch {
        /// Runs taken over from dead runners (or released), first in the batch.
        var recovered: [Work] = []
        /// What each file admitted in this batch became, in order: held files read again, recovered and deferred
        /// claims, then the files claimed from the inbox (one held again counts too: it was worked on).
        var admitted: [Admitted] = []
        /// What is said of files that could not be taken from the inbox (left there).
        var refusals: [RunOutcome] = []
        /// Milliseconds until a file that is still settling may be taken; nil when none waits.
        var nextLookMs: Int?

        /// True when nothing was taken, recovered or read again.
        var isEmpty: Bool { recovered.isEmpty && admitted.isEmpty }
        /// True when a control message was applied (an approval may have released a run).
        var appliedControl: Bool { admitted.contains { $0.wasControl } }
        /// The runs to start, in order.
        var runs: [Work] { recovered + admitted.compactMap(\.run) }
    }

    /// The next batch: recovers (when `recover`), reads held files again, offers deferred claims, lists the inbox
    /// when its listing is used up, and claims and admits up to `limit` files that have settled.
    ///
    /// Both modes call this; they differ only in when (see `Mode.retriesLater`
    /// for how failures are met).
    ///
    /// - Parameters:
    ///   - limit: how many files may be claimed from the inbox.
    ///   - recover: whether to look for runs of dead runners (`once`: every batch; `watch`: at housekeeping).
    func nextBatch(limit: Int, recover: Bool) async throws -> Batch {
        var batch = Batch()
        var recoveredClaims: [ClaimedFile] = []
        if recover {
            let found =
                mode.retriesLater
                ? ((try? runner.recovery.scan(ignoring: runner.unloadable.contents)) ?? [])
                : try runner.recovery.scan(ignoring: runner.unloadable.contents)
            for item in found {
                if case .claimed(let claimed) = item { recoveredClaims.append(claimed) } else { batch.recovered.append(item) }
            }
        }
        var now = context.clock.now()
        absorbEvents(now: now)
        // Files held because they did not parse while they may still be written: read again once changed, rejected once still.
        if !held.isEmpty, !mode.retriesLater || now >= nextRevisit {
            if mode.retriesLater {
                if let again = try? await revisit() {
                    nextRevisit = now.addingTimeInterval(Double(HeldClaims.lookEveryMs) / 1000)
                    batch.admitted += again
                }
            } else {
                batch.admitted += try await revisit()
            }
        }
        if mode.retriesLater { recoveredClaims += runner.deferred.due(at: now, runner: context.identity.folderName) }
        for claimed in recoveredClaims {
            if let admitted = try await admitting(claimed) { batch.admitted.append(admitted) }
        }

        // A batch at a time from one listing, so a burst of any size drains in bounded memory.
        var claimed: [ClaimedFile] = []
        if limit > 0 {
            if cursor >= listed.count, needsListing {
                try list()
                now = context.clock.now()
            }
            while cursor < listed.count, claimed.count < limit, !isStopping {
                let candidate = listed[cursor]
                cursor += 1
                guard retryNames.isDue(candidate.name, now: now) else { continue }
                switch tracker.decision(candidate, now: now) {
                case .wait(let ms):
                    if let ms { batch.nextLookMs = min(batch.nextLookMs ?? ms, ms) }
                case .take(let complete):
                    if let file = claim(candidate, complete: complete, now: now, refusals: &batch.refusals) { claimed.append(file) }
                }
            }
        }
        // Admitted in order, after the claims: control messages take effect before the runs of the batch start.
        for file in claimed {
            if let admitted = try await admitting(file) { batch.admitted.append(admitted) }
        }
        return batch
    }

    /// Lists the inbox afresh (the events about what it shows are taken in first).
    func list() throws {
        needsListing = false
        let all = mode.retriesLater ? ((try? scanner.candidates()) ?? []) : try scanner.candidates()
        listed = refused.isEmpty ? all : all.filter { !refused.contains($0.name) }
        cursor = 0
        let now = context.clock.now()
        // Events about the files this listing shows are in the kernel's queue by now.
        absorbEvents(now: now)
        let names = Set(listed.map(\.name))
        tracker.prune(keeping: names)
        retryNames.prune(keeping: names)
        peeked.formIntersection(names)
        for candidate in listed { tracker.observe(candidate, now: now) }
    }

    /// True once the runner was asked to stop: nothing more is claimed.
    var isStopping: Bool { context.stop.isStopped }

    /// Claims one inbox file; nil when another runner took it or it could not be taken (said in `refusals`).
    private func claim(_ candidate: InboxCandidate, complete: Bool, now: Date, refusals: inout [RunOutcome]) -> ClaimedFile? {
        let taken = Result(catching: { () throws(FileSystemError) in try runner.intake.claim(candidate) })
        guard case .success(let claimed) = taken else {
            if case .failure(let error) = taken {
                if mode.retriesLater {
                    // Said once per name (not at every retry); tried again after a backoff.
                    retryNames.failed(candidate.name, now: now)
                    if retryNames.failures(candidate.name) == 1 { refusals.append(Runner.untaken(candidate, error)) }
                } else {
                    // Left in the inbox for a later runner.
                    refused.insert(candidate.name)
                    refusals.append(Runner.untaken(candidate, error))
                }
            }
            return nil
        }
        tracker.forget(candidate.name)
        retryNames.forget(candidate.name)
        peeked.insert(candidate.name)
        guard var claimed else { return nil }
        claimed.mayBeIncomplete = !complete
        return claimed
    }

    /// Admits a claimed file (holding one that may be half-written); nil when `watch` deferred it after an error.
    private func admitting(_ claimed: ClaimedFile) async throws -> Admitted? {
        do {
            return try await admitHolding(claimed)
        } catch _ where mode.retriesLater {
            // Left in this runner's claim folder: offered again after a backoff, as every claim that could not be
            // admitted for now is (and by the next runner, if this one stops).
            _ = runner.deferred.postpone(claimed, now: context.clock.now())
            return nil
        }
    }

    /// Admits a claimed file; one that does not parse while it may still be being written is held instead (see `HeldClaims`).
    private func admitHolding(_ claimed: ClaimedFile) async throws -> Admitted {
        let admitted = try await runner.admit(claimed)
        guard admitted.isIncomplete else { return admitted }
        if held.hold(claimed, info: try? context.fileSystem.info(claimed.path), now: context.clock.now()) { return admitted }
        var final = claimed
        final.mayBeIncomplete = false
        return try await runner.admit(final)
    }

    /// Reads again the held files that changed, and rejects those unchanged for the grace time; returns what each became.
    private func revisit() async throws -> [Admitted] {
        let fs = context.fileSystem
        var results: [Admitted] = []
        for (claimed, final) in held.due(now: context.clock.now(), info: { try? fs.info($0) }) {
            var file = claimed
            file.mayBeIncomplete = !final
            let admitted = try await admitHolding(file)
            if !admitted.isIncomplete { results.append(admitted) }
        }
        return results
    }

    /// Takes the control messages among `names` (each name looked at once, see `peeked`), so that they take effect
    /// even while every worker is busy; other files are left to the batches, in their order.
    func takeControls(among names: [String]) async throws -> Batch {
        var batch = Batch()
        let now = context.clock.now()
        for name in names where !peeked.contains(name) && !isStopping {
            peeked.insert(name)
            guard isControlMessage(name) else { continue }
            let candidate = InboxCandidate(name: name, info: FileInfo(type: .regular, size: 0, modified: .distantPast))
            guard let claimed = claim(candidate, complete: true, now: now, refusals: &batch.refusals) else { continue }
            if let admitted = try await admitting(claimed) { batch.admitted.append(admitted) }
        }
        return batch
    }

    /// Takes in what the folder's events said: how each file arrives (for settling), and which names are new.
    func absorbEvents(now: Date) {
        guard let watcher else { return }
        let drained = watcher.drain()
        if drained.overflowed {
            tracker.forgetEvents()
            needsListing = true
        }
        for event in drained.events where InboxScanner.isRequestName(event.name) {
            tracker.note(event, now: now)
            switch event.kind {
            case .renamedIn, .created, .written:
                // A new file under this name: try it at once, and look at it afresh.
                retryNames.forget(event.name)
                peeked.remove(event.name)
            case .closed, .attributes:
                break
            }
            if event.kind == .renamedIn || event.kind == .closed || event.kind == .created {
                arrivals.append(event.name)
                needsListing = true
            }
        }
    }

    /// True when an inbox file is a control message (read without claiming it; small files only).
    func isControlMessage(_ name: String) -> Bool {
        guard let bytes = try? context.fileSystem.readRegularFile(Path.join(context.layout.inbox, name), maxBytes: ControlPeek.readLimit),
            Self.mentionsKind(bytes)
        else { return false }
        return ControlPeek(bytes: bytes) != nil
    }

    /// True when `bytes` hold `"kind"`: only then can they be a control message (so most requests are not parsed twice).
    static func mentionsKind(_ bytes: [UInt8]) -> Bool {
        let key = Array("\"kind\"".utf8)
        guard bytes.count >= key.count else { return false }
        for i in 0...(bytes.count - key.count) where bytes[i] == key[0] && Array(bytes[i..<(i + key.count)]) == key { return true }
        return false
    }
}
