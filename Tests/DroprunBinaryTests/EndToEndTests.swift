import Testing

/// The command suites (`InitCommandTests`, `SubmitCommandTests`, `RunOnceCommandTests`, ...), nested here and run one
/// after another: each starts real processes, and eleven suites of them at once on a 2-core machine made the
/// timing tests of other suites (a step's time limit, a heartbeat) late.
@Suite(.serialized) struct EndToEndTests {}
