extension Dispatcher {
    /// Takes `configuration` (a reload of `droprun.json`) for everything admitted from now on.
    ///
    /// The narrowest place: the runner (and so its intake, decoder, providers,
    /// timeouts, retention) is a value copied into each run when it starts, so
    /// runs in flight keep the configuration they were admitted with, and only
    /// the dispatcher's own uses (the settle time here, concurrency and the
    /// poll interval in the `watch` loop) follow.
    func adopt(_ configuration: Configuration) {
        runner = runner.reconfigured(configuration)
        context = runner.context
        tracker.settleMs = configuration.settleMs
    }
}
