/// The run's result was written by another runner: this runner lost the run and writes nothing more for it.
struct RunFinishedElsewhere: Error, Sendable {
    var runId: String
}
