extension CommandContext {
    /// The log of `watch` and `run --once`: `--log-format` (else the configuration's `logFormat`) and `--quiet`.
    ///
    /// - Throws: a usage error for a `--log-format` other than `text` or `json`.
    func runnerLog(_ configuration: Configuration) throws(CLIError) -> RunnerLog {
        var format = configuration.logFormat
        let given = parsed.value("log-format")
        if let given {
            guard let chosen = LogFormat(rawValue: given) else {
                throw .usage(
                    "invalid value '\(given)' for '--log-format': expected "
                        + LogFormat.allCases.map { "'\($0.rawValue)'" }.joined(separator: " or ")
                        + " (or set \"logFormat\" in droprun.json)")
            }
            format = chosen
        }
        return RunnerLog(
            clock: environment.clock, output: out, errors: err, format: format, formatPinned: given != nil, quiet: parsed.flag("quiet"),
            outputIsTerminal: environment.isTerminal(1))
    }

    /// An engine over this root whose warnings and notices are lines of `log`.
    func engine(_ configuration: Configuration, log: RunnerLog) -> EngineContext {
        var engine = engine(configuration)
        engine.warnings = RunnerWarnings(log: log)
        return engine
    }
}
