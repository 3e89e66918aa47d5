import Testing

@testable import DroprunKit

@Suite struct HelpTextTests {
    let parser = ArgumentParserSample.parser

    // MARK: - Usage lines

    @Test(
        arguments: [
            ([], "Usage: droprun [--root DIR] <subcommand>"),
            (["init"], "Usage: droprun init [--root DIR] [DIR]"),
            (["run"], "Usage: droprun run [--once] [--concurrency N] [--root DIR]"),
            (["submit"], "Usage: droprun submit [--tag TAG ...] [--root DIR] FILE"),
            (["validate"], "Usage: droprun validate [--root DIR] FILE ..."),
            (["status"], "Usage: droprun status [--json] [--root DIR] RUN_ID"),
            (["list"], "Usage: droprun list [--status S] [--limit N] [--json] [--root DIR]"),
            (["audit"], "Usage: droprun audit [--json] [--root DIR] (<subcommand> | [RUN_ID])"),
            (["audit", "verify"], "Usage: droprun audit verify [--root DIR]"),
            (["fixtures"], "Usage: droprun fixtures [--root DIR] <subcommand>"),
            (["fixtures", "record"], "Usage: droprun fixtures record [--root DIR] [NAME ...]"),
        ] as [([String], String)])
    func usageLine(path: [String], expected: String) {
        #expect(parser.usageLine(for: path) == expected)
    }

    @Test func unknownPathComponentsFallBackToTheDeepestKnownCommand() {
        #expect(parser.usageLine(for: ["fixtures", "nope", "x"]) == parser.usageLine(for: ["fixtures"]))
        #expect(parser.helpText(for: ["nope"]) == parser.helpText(for: []))
    }

    @Test func commandOptionShadowsGlobalOfTheSameName() {
        let root = CommandSpec(
            name: "droprun",
            abstract: "Root.",
            subcommands: [CommandSpec(name: "x", abstract: "X.", options: [.flag("root", help: "Own.")])]
        )
        let parser = ArgumentParser(root: root, globalOptions: [ArgumentParserSample.rootOption])
        #expect(parser.usageLine(for: ["x"]) == "Usage: droprun x [--root]")
    }

    // MARK: - Help content

    @Test(arguments: ArgumentParserSample.allPaths)
    func everyHelpStartsWithItsUsageAndFitsEightyColumns(path: [String]) {
        let text = parser.helpText(for: path)
        #expect(text.hasPrefix(parser.usageLine(for: path)))
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            #expect(line.count <= 80, "too long: \(line)")
            #expect(line.last != " ", "trailing space: '\(line)'")
        }
        #expect(!text.hasSuffix("\n"))
        #expect(text.contains("  -h, --help"))
        #expect(text.contains("      --root DIR"))
    }

    @Test func rootHelp() {
        let text = parser.helpText(for: [])
        #expect(text.contains("Run batch jobs dropped as files into an inbox folder."))
        #expect(text.contains("Every run is recorded and can be audited later."))
        #expect(text.contains("\nOPTIONS:\n"))
        #expect(text.contains("      --version   Show the version and exit."))
        #expect(text.contains("\nSUBCOMMANDS:\n"))
        for subcommand in ArgumentParserSample.root.subcommands {
            #expect(text.contains(subcommand.name))
            #expect(text.contains(subcommand.abstract))
        }
        #expect(text.contains("EXAMPLES:\n  droprun init\n  droprun run --once\n"))
        #expect(text.hasSuffix("See 'droprun <subcommand> --help' for help on a subcommand."))
        #expect(!text.contains("ARGUMENTS:"))
    }

    @Test func versionIsListedOnlyOnTheRoot() {
        #expect(!parser.helpText(for: ["list"]).contains("--version"))
    }

    @Test func listHelp() {
        let text = parser.helpText(for: ["list"])
        #expect(text.contains("Usage: droprun list [--status S] [--limit N] [--json] [--root DIR]"))
        #expect(text.contains("List runs, newest first."))
        #expect(text.contains("  -s, --status S  Only runs with status S (queued, running, done, failed)."))
        #expect(text.contains("  -n, --limit N   Show at most N runs."))
        #expect(text.contains("      --json      Print machine-readable JSON."))
        #expect(text.contains("EXAMPLES:\n  droprun list --status failed --limit 5\n  droprun list --json"))
        #expect(!text.contains("SUBCOMMANDS:"))
        #expect(!text.contains("ARGUMENTS:"))
    }

    @Test func auditHelpListsItsArgumentAndSubcommand() {
        let text = parser.helpText(for: ["audit"])
        #expect(text.contains("ARGUMENTS:\n  RUN_ID          Only entries of this run."))
        #expect(text.contains("SUBCOMMANDS:\n  verify          Check the audit log's hash chain."))
        #expect(text.contains("See 'droprun audit <subcommand> --help'"))
    }

    @Test func repeatableOptionSaysSo() {
        #expect(parser.helpText(for: ["submit"]).contains("  -t, --tag TAG   Label the run. Can be given more than once."))
    }

    @Test func helpForAParsedHelpOutcome() throws {
        guard case .help(let path) = try parser.parse(["fixtures", "verify", "--help"]) else {
            Issue.record("expected help")
            return
        }
        #expect(parser.helpText(for: path).hasPrefix("Usage: droprun fixtures verify [--root DIR] [NAME ...]"))
    }

    @Test func exactLayoutOfASmallCommand() {
        let expected = """
            Usage: droprun status [--json] [--root DIR] RUN_ID

            Show the status of one run.

            ARGUMENTS:
              RUN_ID          The run to show.

            OPTIONS:
                  --json      Print machine-readable JSON.
                  --root DIR  Use DIR as the droprun folder instead of the current
                              directory.
              -h, --help      Show help for this command.
            """
        #expect(parser.helpText(for: ["status"]) == expected)
    }

    // MARK: - Alignment and wrapping

    @Test func helpColumnIsSharedByAllRows() {
        // Labels: "    --once", "-c, --concurrency N", "    --root DIR", "-h, --help";
        // the widest is 19 wide, so help starts at column 2 + 19 + 2 = 23.
        let text = parser.helpText(for: ["run"])
        let rows = text.split(separator: "\n").filter { $0.hasPrefix("  -") || $0.hasPrefix("      --") }
        #expect(rows.count == 4)
        for row in rows {
            let characters = Array(row)
            #expect(characters.count > 23 && characters[21] == " " && characters[22] == " " && characters[23] != " ", "\(row)")
        }
    }

    static let wordy = CommandSpec(
        name: "droprun",
        abstract: String(repeating: "An abstract that goes on and on. ", count: 6),
        discussion: """
            \(String(repeating: "A long discussion paragraph that needs wrapping. ", count: 5))

              - an indented list item that is also rather long and so must wrap onto a second line
            https://example.invalid/\(String(repeating: "x", count: 100))
            """,
        arguments: [ArgumentSpec("input_file_with_a_very_long_name_indeed", arity: .zeroOrMore, help: "Inputs.")],
        options: [
            .value("a-really-quite-long-option-name", short: "a", valueName: "VALUE", help: String(repeating: "Help words. ", count: 20)),
            .flag("b", help: "Short."),
        ],
        examples: ["droprun " + String(repeating: "--b ", count: 30)]
    )

    @Test func longTextWrapsWithinEightyColumnsWithoutLosingWords() {
        let parser = ArgumentParser(root: Self.wordy)
        let text = parser.helpText(for: [])
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        for line in lines {
            #expect(line.count <= 80, "too long: \(line)")
        }
        #expect(HelpTextWrapper.words(of: text).filter { $0 == "Help" }.count == 20)
        let examples = text.firstRange(of: "EXAMPLES:").map { text[$0.upperBound...] } ?? ""
        #expect(HelpTextWrapper.words(of: String(examples)).filter { $0 == "--b" }.count == 30)
        // Indentation of discussion lines is kept on continuation lines.
        #expect(lines.contains { $0.hasPrefix("  - an indented list item") })
        #expect(lines.contains { $0.hasPrefix("  ") && $0.hasSuffix("second line") && !$0.contains("- ") })
        // A label wider than the label column puts its help on the next line.
        #expect(text.contains("  -a, --a-really-quite-long-option-name VALUE\n                              Help words."))
        #expect(text.contains("      --b                     Short."))
        // A long usage line wraps, continuation aligned after the command name.
        #expect(lines.filter { $0.hasPrefix("Usage: droprun ") }.count == 1)
        #expect(lines.contains { $0.hasPrefix("               [") })
    }

    @Test func wrapperSplitsWordsLongerThanALine() {
        let lines = HelpTextWrapper.wrap(words: [String(repeating: "x", count: 25)], width: 10, firstIndent: "", restIndent: "  ")
        #expect(lines == ["xxxxxxxxxx", "  xxxxxxxx", "  xxxxxxx"])
    }

    @Test func wrapperFillsGreedily() {
        #expect(HelpTextWrapper.wrap("aa bb cc dd", width: 5) == ["aa bb", "cc dd"])
        #expect(HelpTextWrapper.wrap("aa bb cc", width: 8, firstIndent: "> ", restIndent: "  ") == ["> aa bb", "  cc"])
        #expect(HelpTextWrapper.wrap("   ", width: 10).isEmpty)
    }
}
