/// Where an attempt runs in a run's record: a step, or one item of a `forEach` step.
struct StepSlot: Hashable, Sendable, Comparable {
    /// The step's index among the workflow's steps.
    var step: Int
    /// The item's index among the step's items; nil for the step itself.
    var item: Int?

    init(step: Int, item: Int? = nil) {
        self.step = step
        self.item = item
    }

    static func < (a: StepSlot, b: StepSlot) -> Bool {
        (a.step, a.item ?? -1) < (b.step, b.item ?? -1)
    }
}

extension RunRecord {
    /// The record of the step or item at `slot`.
    subscript(slot: StepSlot) -> StepRecord {
        get {
            guard let item = slot.item else { return steps[slot.step] }
            return steps[slot.step].items?[item] ?? steps[slot.step]
        }
        set {
            if let item = slot.item { steps[slot.step].items?[item] = newValue } else { steps[slot.step] = newValue }
        }
    }
}
