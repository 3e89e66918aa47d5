/// `droprun health [--json] [--deep]`: exit 0 when the root is healthy, 1 with one line per problem.
///
/// For cron (`droprun health >/dev/null || alert`), a systemd timer or a
/// monitoring check: healthy, it prints one `healthy: ...` line; otherwise
/// one `code: what; what to do` line per problem, on standard output (it is
/// the check's result, not a failure of the command). A `droprun.json` that
/// cannot be used is such a problem (`configuration_invalid`): the rest is
/// judged with the defaults. A usage error exits 2, as everywhere.
enum HealthCommand {
    static func run(_ context: CommandContext) async throws -> ExitCode {
        var invalid: ConfigurationError?
        let file: Configuration
        do {
            file = try Configuration.load(root: context.root, fileSystem: context.fs)
        } catch {
            invalid = error
            file = Configuration()
        }
        let configuration = try context.overrides().applied(to: file)
        let check = HealthCheck(context: context.engine(configuration), deep: context.parsed.flag("deep"))
        let now = context.environment.clock.now()
        // Reading the root (and with --deep every audit segment) is blocking file work: on a thread of its own.
        var report = await context.offThePool { check.run(now: now) }
        if let invalid {
            report.problems.insert(.configurationInvalid(invalid, file: context.layout.relative(invalid.file)), at: 0)
        }
        if context.json {
            context.printJSON(report.json)
        } else if report.isHealthy {
            context.out.line(report.summary)
        } else {
            for problem in report.problems { context.out.line(problem.line) }
        }
        return report.isHealthy ? .success : .failure
    }
}
