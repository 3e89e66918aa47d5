/// The runner could not write down an attempt before it ran (a lost lease, a disk error): a fault of the runner,
/// never of the step, so it reaches the runner as `underlying`, as a failed checkpoint does.
struct AttemptNotRecorded: Error {
    var underlying: any Error
}
