import Foundation

/// A `forEach` step: once per item of its array, each item an attempt of its own (`{{item}}`, `{{index}}`), at most
/// `forEach.maxParallel` (else the run's limit) at once, its output the array of the items' outputs.
///
/// The step starts (`running`) when it is ready: its items are resolved
/// (an array, or what its reference names), and each gets a record in the
/// step's `items` (`ID[INDEX]`, with its own attempts, retried by the step's
/// `retry`). An item's end is checkpointed like a step's, so a run taken over
/// runs again only the items that had not ended. The step succeeds once every
/// item has; an item that fails for good fails it (`item N: ...`, the item's
/// code): no more of its items start, those in flight end.
extension RunExecutor {
    /// Starts forEach step `index`: resolves its items and gives each a record (keeping those of an earlier start
    /// of the same items, whose ended items do not run again). Returns the step's end when that is at once (no
    /// items, or items that are not an array).
    mutating func openItems(_ index: Int, _ spec: ForEachSpec, phase: inout GraphPhase, outputs: [String: JSONValue]) throws -> StepEnd? {
        let definition = request.workflow.steps[index]
        let resolver = ReferenceResolver(runId: record.runId, input: request.input, stepOutputs: outputs, error: phase.runError)
        let items: [JSONValue]
        do {
            items = try spec.resolve(with: resolver, at: JSONPath.root.key("workflow").key("steps").index(index).key("forEach"))
        } catch let failure as StepFailure {
            return try fail(index, failure)
        }
        if let event = try applyStep(index, .start, deferEvent: true) { phase.events.append(event) }
        phase.items[index] = items
        if let kept = record.steps[index].items, kept.count == items.count {
            // Taken over: what was in flight runs again; what ended stays as it was.
            for item in kept.indices where kept[item].status == .running {
                try apply(.interrupt, at: StepSlot(step: index, item: item))
            }
        } else {
            record.steps[index].items = items.indices.map { StepRecord(id: "\(definition.id)[\($0)]", provider: definition.provider) }
        }
        return try finishItemsIfDone(index, phase)
    }

    /// Begins the attempts of pending items of the open forEach steps, in step order, within the run's `limit` and
    /// each step's own.
    mutating func startItems(_ phase: inout GraphPhase, outputs: [String: JSONValue], limit: Int) throws {
        for index in phase.items.keys.sorted() where record.steps[index].status == .running && phase.failedItems[index] == nil {
            let definition = request.workflow.steps[index]
            guard let provider = context.registry.provider(named: definition.provider), let items = record.steps[index].items else { continue }
            let own = definition.forEach?.maxParallel ?? limit
            var running = phase.inFlight.keys.filter { $0.step == index && $0.item != nil }.count
            for item in items.indices where items[item].status == .pending {
                guard phase.starts, phase.inFlight.count < limit, running < own else { return }
                try launch(StepSlot(step: index, item: item), provider: provider, in: &phase, outputs: outputs)
                running += 1
            }
        }
    }

    /// What the end of the item at `slot` means for its step and the phase.
    mutating func itemEnded(_ slot: StepSlot, _ end: StepEnd, in phase: inout GraphPhase, outputs: inout [String: JSONValue]) throws {
        record.artifacts = phase.artifacts.written
        let index = slot.step
        switch end {
        case .succeeded:
            break
        case .failed(let failure):
            if phase.failedItems[index] == nil, let item = slot.item { phase.failedItems[index] = (item, failure) }
        case .cancelled:
            phase.stop = .cancelled
        case .interrupted:
            try apply(.interrupt, at: slot)
            if case .cancelled? = phase.stop {} else { phase.stop = .interrupted }
        case .waiting:
            // Only a step waits for an approval (an approval step cannot have forEach; this is another provider's).
            let failure = StepFailure(.providerError, "provider '\(record[slot].provider)' asked for an approval, which an item cannot wait for")
            try apply(.fail(failure), at: slot)
            if phase.failedItems[index] == nil, let item = slot.item { phase.failedItems[index] = (item, failure) }
        }
        if let stepEnd = try finishItemsIfDone(index, phase) { try ended(index, stepEnd, in: &phase, outputs: &outputs) }
    }

    /// Ends forEach step `index` when none of its items is in flight and they have all succeeded (its output the
    /// array of their outputs) or one failed (the step fails with it); nil while it goes on.
    private mutating func finishItemsIfDone(_ index: Int, _ phase: GraphPhase) throws -> StepEnd? {
        guard record.steps[index].status == .running, let items = record.steps[index].items,
            !phase.inFlight.keys.contains(where: { $0.step == index })
        else { return nil }
        if let (item, failure) = phase.failedItems[index] {
            var failed = failure
            failed.message = "item \(item): \(failure.message)"
            failed.retryable = false
            return try fail(index, failed)
        }
        guard items.allSatisfy({ $0.status == .succeeded }) else { return nil }
        let output = JSONValue.array(items.map { $0.output ?? .null })
        do {
            try StepOutputLimit.check(output)
        } catch {
            return try fail(index, error)
        }
        // The outputs are the step's now: not kept twice in the record.
        for item in items.indices { record.steps[index].items?[item].output = nil }
        let durationMs = context.clock.now().milliseconds(since: record.steps[index].startedAt ?? context.clock.now())
        try applyStep(index, .succeed(output: output, durationMs: durationMs))
        return .succeeded(output)
    }

    /// Settles the forEach steps a phase left open when it ended early: cut short by a cancel (their items in
    /// flight fail `cancelled`), interrupted by a stop or an approval (they run again from their pending items), or
    /// stopped by another step's failure (`stopped_by_failure`).
    mutating func settleUnfinishedItems(_ phase: GraphPhase) throws {
        for index in phase.items.keys.sorted() where record.steps[index].status == .running {
            let items = record.steps[index].items ?? []
            switch phase.stop {
            case .cancelled?:
                for item in items.indices where items[item].status == .running { try apply(.cancel, at: StepSlot(step: index, item: item)) }
            case .interrupted?, .approval?:
                try applyStep(index, .interrupt)
            case nil:
                let ended = items.filter { $0.status == .succeeded || $0.status == .failed }.count
                let cause = phase.firstFailure.map { " ('\($0.1)')" } ?? ""
                _ = try fail(
                    index, StepFailure(.stoppedByFailure, "another step of the run failed\(cause); \(ended) of \(items.count) items had ended"))
            }
        }
    }
}
