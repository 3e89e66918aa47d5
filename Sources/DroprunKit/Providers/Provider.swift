import Synchronization

/// A kind of step. Implement it and register it to give workflows a new provider.
///
/// A provider checks its `with` when a request is dropped (so mistakes are
/// rejected before anything runs) and does its work when the step runs. It
/// fails by throwing a `StepFailure`; retryable failures are retried with the
/// step's backoff. It must not keep state between calls that changes its output:
/// the same request must give the same result.
public protocol Provider: Sendable {
    /// The name requests use in `"provider"`.
    var name: String { get }
    /// One line for `droprun providers` and for error messages.
    var summary: String { get }

    /// Checks `with` when a request is accepted.
    ///
    /// Read each key through `with` (its accessors record the key as known;
    /// unknown keys are reported after this returns). A string that is one
    /// `{{...}}` reference passes the typed accessors, since its value is only
    /// known when the step runs.
    func validate(_ with: inout JSONObjectReader, context: ValidationContext)

    /// Runs one attempt with references already resolved.
    func run(_ with: [String: JSONValue], context: StepContext) async throws -> JSONValue

    /// False for providers that finish at once without waiting (no clock, no network, no child process).
    ///
    /// Their attempts run without the racing time limit and cancel poll,
    /// which cost two timers per attempt; cancellation is still checked
    /// between steps. Defaults to true.
    var mayWait: Bool { get }
}

extension Provider {
    public var mayWait: Bool { true }
}
