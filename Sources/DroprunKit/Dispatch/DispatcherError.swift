/// A lifecycle move the dispatcher's phase does not allow (a second `run`, for one).
struct DispatcherError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Where the dispatcher was.
    var phase: Dispatcher.Phase
    /// The move refused.
    var move: Dispatcher.Move

    var description: String { "a dispatcher that is \(phase) cannot \(move): each dispatcher runs once; make a new one" }
}
