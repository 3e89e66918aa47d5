/// `droprun fixtures verify|record [NAME...]`: regression fixtures under `fixtures/`.
enum FixturesCommand {
    static func verify(_ context: CommandContext) async throws -> ExitCode { try await run(context, record: false) }
    static func record(_ context: CommandContext) async throws -> ExitCode { try await run(context, record: true) }

    static func run(_ context: CommandContext, record: Bool) async throws -> ExitCode {
        let folder = Path.join(context.root, "fixtures")
        let runner = FixtureRunner(registry: context.environment.registry, environment: context.environment.variables)
        let known = runner.names(in: folder)
        var names = context.parsed.argumentList("name")
        if names.isEmpty { names = known }
        for name in names where !known.contains(name) {
            var message = "no fixture '\(name)' in \(context.layout.relative(folder))/"
            if let near = Suggestion.nearest(to: name, among: known) { message += "; did you mean '\(near)'?" }
            message += known.isEmpty ? " (there are none)" : " Known: \(known.joined(separator: ", "))"
            throw CLIError.usage(message)
        }
        if names.isEmpty {
            context.out.line("no fixtures in \(context.layout.relative(folder))/ (a fixture is a folder with request.json or drops/, and expected/)")
            return .success
        }
        var failed: [String] = []
        for name in names {
            let fixture = Path.join(folder, name)
            let report: FixtureRunner.Report
            do {
                report = try await runner.runReporting(fixture)
            } catch {
                failed.append(name)
                context.out.line("error     \(name): \(error)")
                continue
            }
            let actual = report.files
            if record, let rejection = report.mainRequestRejection, !context.parsed.flag("allow-rejected") {
                failed.append(name)
                context.out.line("refused   \(name): its request.json was rejected (\(rejection)); expected/ was not written.")
                context.out.line(
                    "          A fixture's root uses only fixtures/\(name)/droprun.json, not this root's droprun.json: add what the request needs there"
                )
                context.out.line("          (an exec alias, a model), or record with --allow-rejected if the rejection is what the fixture pins.")
                continue
            }
            if record {
                let changes = try runner.record(fixture, actual)
                context.out.line("recorded  \(name)" + (changes.isEmpty ? ": unchanged" : ""))
                for change in changes { context.out.line("          \(change)") }
                continue
            }
            let diffs = FixtureRunner.compare(expected: runner.expected(fixture), actual: actual, fixture: name)
            if diffs.isEmpty {
                context.out.line("ok        \(name)")
            } else {
                failed.append(name)
                context.out.line("MISMATCH  \(name)")
                for diff in diffs { context.out.write(diff.hasSuffix("\n") ? diff : diff + "\n") }
            }
        }
        if record {
            let recorded = names.count - failed.count
            var summary = "\(recorded) fixture\(recorded == 1 ? "" : "s") recorded"
            if !failed.isEmpty { summary += ", \(failed.count) not (\(failed.joined(separator: ", ")): see above)" }
            context.out.line(summary + (recorded > 0 ? "; review the changes with git diff fixtures/" : ""))
            return failed.isEmpty ? .success : .failure
        }
        context.out.line(
            "\(names.count - failed.count) of \(names.count) fixtures match"
                + (failed.isEmpty ? "" : "; mismatched: \(failed.joined(separator: ", ")) (if the change is intended: droprun fixtures record NAME)"))
        return failed.isEmpty ? .success : .failure
    }
}
