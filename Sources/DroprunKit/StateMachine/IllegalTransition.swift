/// An arrow the state machine does not have: always a bug in droprun (or a record changed by hand).
public enum IllegalTransition: Error, Equatable, Sendable, CustomStringConvertible {
    /// A run in status `from` cannot take `event`.
    case run(from: RunStatus, event: RunEvent)
    /// A step in status `from` cannot take `event`.
    case step(from: StepStatus, event: StepEvent)

    public var description: String {
        switch self {
        case .run(let from, let event): "illegal transition: '\(event.rawValue)' from '\(from.rawValue)'"
        case .step(let from, let event): "illegal step transition: '\(event.rawValue)' from '\(from.rawValue)'"
        }
    }
}
