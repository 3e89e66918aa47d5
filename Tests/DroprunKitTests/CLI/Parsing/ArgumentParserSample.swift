@testable import DroprunKit

/// A command tree shaped like droprun's, shared by the parser, help and suggestion tests.
///
/// Tests use their own copy rather than the real CLI's specs so that parser rules are
/// pinned independently of how the real commands evolve.
enum ArgumentParserSample {
    static let rootOption = OptionSpec.value(
        "root",
        valueName: "DIR",
        help: "Use DIR as the droprun folder instead of the current directory."
    )

    static let json = OptionSpec.flag("json", help: "Print machine-readable JSON.")

    static let root = CommandSpec(
        name: "droprun",
        abstract: "Run batch jobs dropped as files into an inbox folder.",
        discussion: """
            Drop a request file into inbox/ and droprun runs it, writing results to outbox/ \
            and artifacts to artifacts/.

            Every run is recorded and can be audited later.
            """,
        subcommands: [
            CommandSpec(
                name: "init",
                abstract: "Create the inbox, outbox and artifacts folders.",
                arguments: [ArgumentSpec("DIR", arity: .optional, help: "Folder to set up (default: current directory).")]
            ),
            CommandSpec(
                name: "run",
                abstract: "Watch the inbox and run requests as they arrive.",
                options: [
                    .flag("once", help: "Process what is in the inbox now, then exit."),
                    .value("concurrency", short: "c", valueName: "N", help: "Run at most N jobs at a time."),
                ]
            ),
            CommandSpec(
                name: "submit",
                abstract: "Copy a request file into the inbox.",
                arguments: [ArgumentSpec("FILE", help: "The request file, or - for standard input.")],
                options: [.value("tag", short: "t", valueName: "TAG", help: "Label the run.", repeatable: true)]
            ),
            CommandSpec(
                name: "validate",
                abstract: "Check request files without running them.",
                arguments: [ArgumentSpec("FILE", arity: .oneOrMore, help: "Request files to check.")]
            ),
            CommandSpec(
                name: "status",
                abstract: "Show the status of one run.",
                arguments: [ArgumentSpec("RUN_ID", help: "The run to show.")],
                options: [json]
            ),
            CommandSpec(
                name: "list",
                abstract: "List runs, newest first.",
                options: [
                    .value("status", short: "s", valueName: "S", help: "Only runs with status S (queued, running, done, failed)."),
                    .value("limit", short: "n", valueName: "N", help: "Show at most N runs."),
                    json,
                ],
                examples: ["droprun list --status failed --limit 5", "droprun list --json"]
            ),
            CommandSpec(
                name: "show",
                abstract: "Show a run's request, steps and outputs.",
                arguments: [ArgumentSpec("RUN_ID", help: "The run to show.")]
            ),
            CommandSpec(
                name: "audit",
                abstract: "Show the audit log, for all runs or one run.",
                arguments: [ArgumentSpec("RUN_ID", arity: .optional, help: "Only entries of this run.")],
                options: [json],
                subcommands: [
                    CommandSpec(name: "verify", abstract: "Check the audit log's hash chain.")
                ]
            ),
            CommandSpec(
                name: "fixtures",
                abstract: "Work with recorded provider fixtures.",
                subcommands: [
                    CommandSpec(
                        name: "verify",
                        abstract: "Check fixtures against their checksums.",
                        arguments: [ArgumentSpec("NAME", arity: .zeroOrMore, help: "Fixtures to check (default: all).")]
                    ),
                    CommandSpec(
                        name: "record",
                        abstract: "Record fixtures from live providers.",
                        arguments: [ArgumentSpec("NAME", arity: .zeroOrMore, help: "Fixtures to record (default: all).")]
                    ),
                ]
            ),
        ],
        examples: ["droprun init", "droprun run --once", "droprun list --status failed"]
    )

    static let parser = ArgumentParser(root: root, globalOptions: [rootOption])

    /// Every command path in the sample, root first.
    static let allPaths: [[String]] = {
        var paths: [[String]] = []
        func visit(_ command: CommandSpec, _ path: [String]) {
            paths.append(path)
            for subcommand in command.subcommands { visit(subcommand, path + [subcommand.name]) }
        }
        visit(root, [])
        return paths
    }()
}
