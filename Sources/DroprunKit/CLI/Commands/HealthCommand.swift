/// `droprun health [--json] [--deep]`: exit 0 when the root is healthy, 1 with one line per problem.
///
/// For cron (`droprun health >/dev/null || alert`), a systemd timer or a
/// monitoring check: healthy, it prints one `healthy: ...` line; otherwise
/// one `code: what; what to do` line per problem, on standard output (it is
/// the check's result, not a failure of the command). A usage or
/// configuration error exits 2, as everywhere.
enum HealthCommand {
    static func run(_ context: CommandContext) async throws -> ExitCode {
        let configuration = try context.configuration()
        let check = HealthCheck(context: context.engine(configuration), deep: context.parsed.flag("deep"))
        let report = check.run(now: context.environment.clock.now())
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
