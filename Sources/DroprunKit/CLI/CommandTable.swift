/// Every command droprun has, described as data: the parser, help and dispatch all read this.
enum CommandTable {
    static let json = OptionSpec.flag("json", help: "Print JSON instead of text.")
    static let runOptions: [OptionSpec] = [
        .value("concurrency", valueName: "N", help: "Runs at once (default 4, or droprun.json)."),
        .value("durability", valueName: "MODE", help: "'strict' (fsync, the default) or 'fast' (atomic renames only)."),
        .value("settle-ms", valueName: "MS", help: "Take a file only after it has been unchanged this long."),
        .value("max-request-bytes", valueName: "N", help: "Refuse larger requests as too_large."),
    ]

    /// How `run --once` and `watch` write their lines.
    static let logOptions: [OptionSpec] = [
        .value(
            "log-format", valueName: "FORMAT",
            help: "'text' (a UTC time, then words; the default, or logFormat in droprun.json) or 'json' (one object per line)."),
        .flag("quiet", help: "Write only failures, rejections, warnings and errors (and the summary of a pass that failed)."),
    ]

    static let controlOptions: [OptionSpec] = [
        .value("by", valueName: "NAME", help: "Who decides (default: your login name, $USER)."),
        .value("note", valueName: "TEXT", help: "A note kept with the decision."),
    ]

    static let globalOptions: [OptionSpec] = [
        .value("root", valueName: "DIR", help: "The droprun root (default: $DROPRUN_ROOT, else the current folder).")
    ]

    static let root = CommandSpec(
        name: "droprun",
        abstract: "A batch job runner driven by file drops.",
        discussion:
            "Drop JSON run requests into inbox/; droprun runs each workflow and leaves results in outbox/results/, files in artifacts/ and an audit trail in outbox/audit/.",
        subcommands: [
            CommandSpec(
                name: "init", abstract: "Create a root's folders and an example request.",
                arguments: [ArgumentSpec("dir", arity: .optional, help: "The folder to set up (default: the root).")],
                examples: ["droprun init /srv/droprun"]),
            CommandSpec(
                name: "run", abstract: "Process everything in the inbox, then exit (for cron).",
                discussion:
                    "Repeats until nothing it can take is left. Exit 0 when every run succeeded; 1 when a run failed or was cancelled or a file was rejected, or when SIGTERM, SIGINT or SIGHUP stopped the pass (it stops claiming, lets running steps finish within the grace period, checkpoints the rest for the next runner). Each line starts with a UTC time (or is a JSON object, --log-format json); results go to standard output, warnings and errors to standard error. On a terminal, standard error shows one progress line (done of total, runs per second, ETA, failed so far), never on a pipe or under cron.",
                options: [.flag("once", help: "Process the inbox once and exit (required).")] + runOptions + [
                    .value("grace-seconds", valueName: "S", help: "On stop, how long running steps may finish (default 10).")
                ] + logOptions,
                examples: [
                    "droprun run --once", "droprun run --once --durability fast --concurrency 8", "droprun run --once --quiet --log-format json",
                ]),
            CommandSpec(
                name: "watch", abstract: "Serve the root until SIGINT or SIGTERM: run drops as they arrive.",
                discussion:
                    "Wakes on inotify events (Linux) and polls every pollIntervalMs as a fallback. Takes over the runs of runners that died. Reads droprun.json again when it changes and on SIGHUP: a valid file applies to runs admitted from then on (runs in flight keep theirs; command-line options still win; durability, leaseSeconds, audit.segmentBytes and logFormat need a restart), an invalid one is refused with a line naming the key. On SIGINT or SIGTERM it stops claiming, lets running steps finish within the grace period, checkpoints the rest and exits 0.",
                options: runOptions + [
                    .value("poll-interval-ms", valueName: "MS", help: "Look at the inbox at least this often (default 500)."),
                    .value("grace-seconds", valueName: "S", help: "On stop, how long running steps may finish (default 10)."),
                ] + logOptions,
                examples: ["droprun watch", "droprun watch --concurrency 8 --durability fast"]),
            CommandSpec(
                name: "submit", abstract: "Validate a request and place it in the inbox atomically.",
                discussion:
                    "Writes inbox/.NAME.tmp, then renames it to inbox/RUN_ID.json, so a runner never sees half a file. Prints the run id. With --wait it waits for the run to end (a runner, droprun watch or run --once, must serve the root), woken by inotify on outbox/: prints the run's output (the record with --json) and exits 0 when it succeeded; exits 1 when it failed, was cancelled or was rejected, with the reason on standard error. A run waiting for an approval is said on standard error and waited for on; at --timeout the wait ends with exit 1 and the run goes on.",
                arguments: [ArgumentSpec("file", help: "The request file, or - for standard input.")],
                options: [
                    .flag("wait", help: "Wait for the run to end; exit 0 when it succeeded, 1 otherwise."),
                    .value("timeout", valueName: "S", help: "With --wait, stop waiting after S seconds (exit 1; the run goes on)."),
                    .flag("json", help: "With --wait, print the run's record instead of its output."),
                ],
                examples: ["droprun submit request.json", "cat request.json | droprun submit -", "droprun submit request.json --wait --timeout 300"]),
            CommandSpec(
                name: "validate", abstract: "Check requests without running them.",
                discussion:
                    "With --workflow, each file is a workflow definition (as in the workflows folder, or the \"workflow\" object of a request). Warns when a request's run id already exists in the root (submit would refuse it).",
                arguments: [ArgumentSpec("file", arity: .oneOrMore, help: "Request files to check (- for standard input).")],
                options: [.flag("workflow", help: "The files are workflow definitions, not requests."), json],
                examples: ["droprun validate request.json", "droprun validate --workflow workflows/release.json"]),
            CommandSpec(
                name: "status", abstract: "Show a run's status.",
                discussion: "Finds a run by id or by the name of the file that was dropped; a drop that was rejected shows its reason and errors.",
                arguments: [ArgumentSpec("run_id", help: "The run (or the name of the file that was dropped).")], options: [json]),
            CommandSpec(
                name: "list", abstract: "List runs, newest first by creation time.",
                discussion:
                    "Rows are sorted by createdAt (then run id), newest first; a drop not yet admitted counts from when it was dropped, a rejected drop from its rejectedAt. Filters combine: a row is shown when every one holds. Finished runs are read from the history index (outbox/index/) once it is built, else from outbox/results/. When more rows match than --limit, the table ends with the --after that shows the next page.",
                options: [
                    .value(
                        "status", valueName: "S",
                        help:
                            "Only rows with status S: queued, running, waiting (waiting_approval), succeeded, failed, cancelled, rejected or unreadable (asked for, every record of outbox/results/ is read for those). A comma list (failed,cancelled) or the option given again asks for any of several.",
                        repeatable: true),
                    .value("workflow", valueName: "NAME", help: "Only runs of the workflow NAME."),
                    .value(
                        "label", valueName: "KEY=VALUE", help: "Only runs with this label; given again, every label must match.", repeatable: true),
                    .value(
                        "since", valueName: "T",
                        help: "Only rows created at or after T: a duration back from now (90m, 24h, 7d), an RFC 3339 time, or a UTC day (2026-12-01)."
                    ),
                    .value("until", valueName: "T", help: "Only rows created before T (as for --since)."),
                    .value(
                        "error", valueName: "CODE",
                        help: "Only runs that ended with this error code (step_timeout, run_timeout, a fail step's code, ...)."),
                    .value("limit", valueName: "N", help: "At most N rows (default 50)."),
                    .value(
                        "after", valueName: "RUN_ID",
                        help:
                            "The next page: the rows after this one (the run id of a page's last row; outbox/rejected/NAME for a rejected drop; a --json row's cursor)."
                    ),
                    json,
                ],
                examples: [
                    "droprun list --status failed --since 24h", "droprun list --workflow deploy --label tenant=acme --error step_timeout",
                    "droprun list --limit 100 --after invoice-2026-0042",
                ]),
            CommandSpec(
                name: "show", abstract: "Show a run's record: steps, outputs, errors, artifacts.",
                arguments: [ArgumentSpec("run_id", help: "The run (or the name of the file that was dropped).")],
                options: [.flag("full", help: "Print each step's output whole (default: cut to one line)."), json]),
            CommandSpec(
                name: "artifacts", abstract: "List a run's artifacts.",
                arguments: [ArgumentSpec("run_id", help: "The run.")], options: [json]),
            CommandSpec(
                name: "approve", abstract: "Approve a run waiting at an approval step.",
                arguments: [ArgumentSpec("run_id", help: "The waiting run.")], options: controlOptions),
            CommandSpec(
                name: "reject", abstract: "Reject a run waiting at an approval step (the run fails).",
                arguments: [ArgumentSpec("run_id", help: "The waiting run.")], options: controlOptions),
            CommandSpec(
                name: "cancel", abstract: "Cancel a queued, running or waiting run.",
                arguments: [ArgumentSpec("run_id", help: "The run.")],
                options: [.value("by", valueName: "NAME", help: "Who cancels (default: your login name, $USER).")]),
            CommandSpec(
                name: "retry", abstract: "Run a finished run's request again as RUN_ID.r1 (.r2, ...).",
                discussion:
                    "The new run runs the workflow definition the retried run was admitted with, even when the named workflow's file was changed since; --latest takes the file as it is now instead.",
                arguments: [ArgumentSpec("run_id", help: "The finished run.")],
                options: [.flag("latest", help: "Run the named workflow's file as it is now, not the definition the retried run was admitted with.")]),
            CommandSpec(
                name: "gc", abstract: "Remove finished runs, rejected and control files older than a cut (retention).",
                discussion:
                    "Removes each finished run (succeeded, failed, cancelled) whose finishedAt is older than --older-than: its result, kept request, artifacts and applied control files; and rejected files with their .error.json by their own age. Never a queued, running or waiting run, nor one a runner holds. A purged run's id stays refused as duplicate (retention.dedupeDays). Without --older-than it uses retention (runsDays, rejectedDays, auditDays, dedupeDays) from droprun.json; any key set is something to do. Killed at any moment, the next gc finishes what it began. Exit 0 when done; 1 when something could not be removed (each is named) or another gc holds outbox/gc.lock; 2 for a usage error.",
                options: [
                    .value(
                        "older-than", valueName: "DURATION",
                        help: "Remove what is older than this, at least 1m: 30d, 36h, 2w (default: retention in droprun.json)."),
                    .flag("dry-run", help: "List what would be removed; remove nothing."),
                    .value(
                        "archive", valueName: "DIR",
                        help:
                            "Move runs to DIR/<yyyy-mm-dd>/<runId>/, rejected and control files to DIR/<yyyy-mm-dd>/rejected/ and control/, instead of removing them; DIR must be outside the root."
                    ),
                    json,
                ],
                examples: ["droprun gc --older-than 30d --dry-run", "droprun gc --older-than 30d --archive /backup/droprun", "droprun gc"]),
            CommandSpec(
                name: "fixtures", abstract: "Regression fixtures: run each in a fresh root and compare with expected/.",
                discussion:
                    "A fixture is fixtures/NAME/ with request.json and/or drops/ (dropped in name order, each followed by run --once), an optional droprun.json, and expected/. Times, durations, runner names and paths are replaced by placeholders before comparing.",
                subcommands: [
                    CommandSpec(
                        name: "verify", abstract: "Run fixtures and show a diff for each mismatch (exit 1).",
                        arguments: [ArgumentSpec("name", arity: .zeroOrMore, help: "Fixtures to run (default: all).")]),
                    CommandSpec(
                        name: "record", abstract: "Run fixtures and write their expected/ anew, saying what changed.",
                        discussion:
                            "A fixture's root uses only fixtures/NAME/droprun.json (not the root's droprun.json). A fixture whose request.json is rejected is not recorded unless --allow-rejected is given.",
                        arguments: [ArgumentSpec("name", arity: .zeroOrMore, help: "Fixtures to record (default: all).")],
                        options: [.flag("allow-rejected", help: "Record a fixture even when its request.json is rejected.")]),
                ],
                examples: ["droprun fixtures verify", "droprun fixtures record retry-succeeds"]),
            CommandSpec(
                name: "providers", abstract: "List providers, models, exec commands and http endpoints; check their configuration (secrets masked).",
                discussion:
                    "Exit 1 when a credential variable (apiKeyEnv, an endpoint's header) or an exec command's program or allowed variable is missing. With --check, each model on a real endpoint gets one tiny call (a one-token answer), and a key that does not work is exit 1 too.",
                options: [json, .flag("check", help: "Call each real model once to check its endpoint and key.")]),
            CommandSpec(
                name: "reindex", abstract: "Rebuild the history index (outbox/index/) from outbox/results/.",
                discussion:
                    "The index is derived from the results: this reads every result, writes one file per day of the runs' finish times, removes the index files it makes redundant and marks the index built. Safe while runners run. Exit 1 when a result could not be read (each is named; it is not in the index).",
                options: [json],
                examples: ["droprun reindex", "droprun reindex --json"]),
            CommandSpec(
                name: "health", abstract: "Check the root: a live runner, work moving, nothing stuck or unreadable.",
                discussion:
                    "Exit 0 when healthy (one 'healthy: ...' line); 1 with one 'code: what; what to do' line per problem: no_live_runner, runner_stalled, queue_too_old, approval_overdue, run_not_taken_over, unreadable_record, unreadable_request, unreadable_checkpoint_log, audit_broken (--deep), configuration_invalid (droprun.json cannot be used: the rest is judged with the defaults). Thresholds: the health block of droprun.json. For cron or a monitor: droprun health >/dev/null || alert.",
                options: [.flag("deep", help: "Also verify every audit hash chain (reads the whole audit log)."), json],
                examples: [
                    "droprun health", "droprun health --json --deep", "out=$(droprun health) || echo \"$out\"   # cron: mail only when unhealthy",
                ]),
            CommandSpec(
                name: "stats", abstract: "Count what a root did over a window (default: the last 24 hours) and what it holds now.",
                discussion:
                    "Runs that finished in the window, from the history index (outbox/index/; without a built index, from outbox/results/, slowly): counts by status, workflow and tenant label, run durations (p50, p95, p99) by workflow, step durations and attempts beyond the first (retries, and runs again after a crash or stop) by provider, runs a minute; drops rejected in the window by reason (outbox/rejected/); now: inbox depth and the oldest drop's age, drops claimed and not started (how many, the oldest's age), approvals waiting (the oldest's age, how many are overdue).",
                options: [
                    .value(
                        "since", valueName: "T",
                        help:
                            "Runs that finished at or after T: a duration back from now (90m, 24h, 7d), an RFC 3339 time, or a UTC day (default: 24 hours before --until)."
                    ),
                    .value("until", valueName: "T", help: "Runs that finished before T (as for --since; default now)."),
                    json,
                ],
                examples: ["droprun stats", "droprun stats --since 7d --json", "droprun stats --since 2026-12-01 --until 2026-12-02"]),
            CommandSpec(
                name: "report", abstract: "Write one self-contained HTML page about the root: status, charts, failures, approvals, step timelines.",
                discussion:
                    "The page has inline CSS and SVG only (no script, nothing loaded from elsewhere: it opens from file:// with the network off). Finished runs are read from the history index (outbox/index/) once it is built, else from the results modified in the window; the messages of a few failed runs per error code and the results (and audit events) of the last --runs runs are read, never every record. Written atomically. Exit 0 when written (what could not be read is said on standard error and on the page); 1 when the file cannot be written; 2 for a usage error.",
                options: [
                    .value(
                        "since", valueName: "T",
                        help:
                            "Runs that finished at or after T (default 24h), as stats counts them: a duration back from now (90m, 24h, 7d), an RFC 3339 time, or a UTC day (2026-12-01)."
                    ),
                    .value(
                        "output", short: "o", valueName: "FILE",
                        help: "Where to write the page (default report.html in the working folder; - for standard output)."),
                    .value("runs", valueName: "N", help: "Step timelines for the last N finished runs of the window (default 20, at most 500)."),
                ],
                examples: ["droprun report", "droprun report --since 7d -o /var/www/droprun.html", "droprun report -o - --runs 5 > report.html"]),
            CommandSpec(
                name: "audit", abstract: "Print the audit log, or one run's events.",
                arguments: [ArgumentSpec("run_id", arity: .optional, help: "Only this run's events.")], options: [json],
                subcommands: [
                    CommandSpec(name: "verify", abstract: "Check every hash chain; name the first broken line.", options: [json])
                ],
                examples: ["droprun audit invoice-2026-0001", "droprun audit verify"]),
        ])

    typealias Handler = @Sendable (CommandContext) async throws -> ExitCode

    /// The handler of each command path.
    static func handler(for path: [String]) -> Handler? {
        switch path {
        case ["init"]: InitCommand.run
        case ["run"]: RunCommand.run
        case ["watch"]: WatchCommand.run
        case ["approve"]: ControlCommand.approve
        case ["reject"]: ControlCommand.reject
        case ["cancel"]: ControlCommand.cancel
        case ["retry"]: RetryCommand.run
        case ["providers"]: ProvidersCommand.run
        case ["fixtures", "verify"]: FixturesCommand.verify
        case ["fixtures", "record"]: FixturesCommand.record
        case ["submit"]: SubmitCommand.run
        case ["validate"]: ValidateCommand.run
        case ["status"]: StatusCommand.run
        case ["list"]: ListCommand.run
        case ["show"]: ShowCommand.run
        case ["artifacts"]: ArtifactsCommand.run
        case ["audit"]: AuditCommand.run
        case ["audit", "verify"]: AuditCommand.verify
        case ["gc"]: GCCommand.run
        case ["reindex"]: ReindexCommand.run
        case ["health"]: HealthCommand.run
        case ["stats"]: StatsCommand.run
        case ["report"]: ReportCommand.run
        default: nil
        }
    }
}
