import Testing

@testable import DroprunKit

@Suite struct ArgumentParserTests {
    let parser = ArgumentParserSample.parser

    private func parsed(_ arguments: [String]) throws -> ParsedCommand {
        let outcome = try parser.parse(arguments)
        guard case .run(let command) = outcome else {
            Issue.record("expected .run for \(arguments), got \(outcome)")
            return ParsedCommand()
        }
        return command
    }

    private func parseError(_ arguments: [String]) -> ParseError? {
        do {
            let outcome = try parser.parse(arguments)
            Issue.record("expected an error for \(arguments), got \(outcome)")
            return nil
        } catch {
            return error
        }
    }

    // MARK: - Token forms

    @Test func valueOptionSeparateWord() throws {
        let command = try parsed(["list", "--limit", "5"])
        #expect(command == ParsedCommand(path: ["list"], values: ["limit": ["5"]]))
    }

    @Test func valueOptionWithEquals() throws {
        #expect(try parsed(["list", "--limit=5"]).value("limit") == "5")
        #expect(try parsed(["list", "--status=a=b"]).value("status") == "a=b")
    }

    @Test func emptyValueAfterEquals() throws {
        #expect(try parsed(["list", "--status="]).values == ["status": [""]])
    }

    @Test func shortValueOption() throws {
        let command = try parsed(["list", "-n", "5", "-s", "failed"])
        #expect(command.values == ["limit": ["5"], "status": ["failed"]])
    }

    @Test func flag() throws {
        let command = try parsed(["list", "--json"])
        #expect(command.flags == ["json"])
        #expect(command.flag("json"))
        #expect(!command.flag("once"))
    }

    @Test func flagGivenTwiceIsAccepted() throws {
        #expect(try parsed(["list", "--json", "--json"]).flags == ["json"])
    }

    @Test func optionsBeforeAndAfterArguments() throws {
        let before = try parsed(["status", "--json", "R1"])
        let after = try parsed(["status", "R1", "--json"])
        #expect(before == after)
        #expect(before == ParsedCommand(path: ["status"], flags: ["json"], arguments: ["RUN_ID": ["R1"]]))
    }

    @Test func doubleDashEndsOptions() throws {
        let command = try parsed(["validate", "a.json", "--", "--json", "-h", "-"])
        #expect(command.argumentList("FILE") == ["a.json", "--json", "-h", "-"])
        #expect(command.flags.isEmpty)
    }

    @Test func loneDashIsPositional() throws {
        #expect(try parsed(["submit", "-"]).argument("FILE") == "-")
    }

    @Test func loneDashIsAValue() throws {
        #expect(try parsed(["list", "--status", "-"]).value("status") == "-")
    }

    @Test func negativeNumberIsAValue() throws {
        let command = try parsed(["run", "--concurrency", "-1"])
        #expect(command.value("concurrency") == "-1")
        #expect(throws: ParseError.invalidValue(option: "--concurrency", value: "-1", expected: "an integer from 1 to 64")) {
            try command.intValue("concurrency", range: 1...64)
        }
    }

    @Test func repeatableOptionKeepsEveryValueInOrder() throws {
        let command = try parsed(["submit", "--tag", "a", "-t", "b", "job.json", "--tag=c"])
        #expect(command.values["tag"] == ["a", "b", "c"])
        #expect(command.value("tag") == "c")
        #expect(command.argument("FILE") == "job.json")
    }

    // MARK: - Global options

    @Test(arguments: [
        ["--root", "/srv/d", "list"],
        ["list", "--root", "/srv/d"],
        ["--root=/srv/d", "list"],
        ["list", "--root=/srv/d"],
    ])
    func globalOptionBeforeOrAfterSubcommand(arguments: [String]) throws {
        #expect(try parsed(arguments) == ParsedCommand(path: ["list"], values: ["root": ["/srv/d"]]))
    }

    @Test func globalOptionOnNestedSubcommand() throws {
        let command = try parsed(["fixtures", "--root", "d", "record", "a", "b"])
        #expect(command == ParsedCommand(path: ["fixtures", "record"], values: ["root": ["d"]], arguments: ["NAME": ["a", "b"]]))
    }

    // MARK: - Subcommands and arity

    @Test func commandWithNoArguments() throws {
        #expect(try parsed(["run", "--once"]) == ParsedCommand(path: ["run"], flags: ["once"]))
    }

    @Test func optionalArgument() throws {
        #expect(try parsed(["init"]).arguments.isEmpty)
        #expect(try parsed(["init", "dir"]).argument("DIR") == "dir")
    }

    @Test func oneOrMoreArguments() throws {
        #expect(try parsed(["validate", "a", "b", "c"]).argumentList("FILE") == ["a", "b", "c"])
    }

    @Test func zeroOrMoreArguments() throws {
        #expect(try parsed(["fixtures", "verify"]) == ParsedCommand(path: ["fixtures", "verify"]))
        #expect(try parsed(["fixtures", "verify", "x", "y"]).argumentList("NAME") == ["x", "y"])
        #expect(try parsed(["fixtures", "verify", "record"]).argumentList("NAME") == ["record"])
    }

    @Test func accessorsForAbsentThings() throws {
        let command = try parsed(["list"])
        #expect(command.value("limit") == nil)
        #expect(command.argument("RUN_ID") == nil)
        #expect(command.argumentList("RUN_ID") == [])
        #expect(try command.intValue("limit", range: 1...10) == nil)
    }

    @Test func optionalArgumentLeavesRoomForRequiredOneAfterIt() throws {
        let copy = CommandSpec(
            name: "copy",
            abstract: "Copy.",
            arguments: [ArgumentSpec("SOURCE", arity: .optional, help: "From."), ArgumentSpec("DEST", help: "To.")]
        )
        let parser = ArgumentParser(root: CommandSpec(name: "droprun", abstract: "Root.", subcommands: [copy]))
        #expect(try parser.parse(["copy", "d"]) == .run(ParsedCommand(path: ["copy"], arguments: ["DEST": ["d"]])))
        #expect(try parser.parse(["copy", "s", "d"]) == .run(ParsedCommand(path: ["copy"], arguments: ["SOURCE": ["s"], "DEST": ["d"]])))
        #expect(throws: ParseError.missingArgument("DEST", path: ["copy"])) { try parser.parse(["copy"]) }
    }

    // MARK: - audit: a command with both its own argument and a subcommand

    @Test func auditAlone() throws {
        #expect(try parsed(["audit"]) == ParsedCommand(path: ["audit"]))
    }

    @Test func auditWithRunID() throws {
        #expect(try parsed(["audit", "R1"]) == ParsedCommand(path: ["audit"], arguments: ["RUN_ID": ["R1"]]))
    }

    @Test func auditVerifySelectsTheSubcommand() throws {
        #expect(try parsed(["audit", "verify"]) == ParsedCommand(path: ["audit", "verify"]))
        #expect(try parsed(["audit", "--root", "d", "verify"]) == ParsedCommand(path: ["audit", "verify"], values: ["root": ["d"]]))
    }

    @Test func auditMistypedSubcommandIsARunID() throws {
        #expect(try parsed(["audit", "verfy"]).argument("RUN_ID") == "verfy")
    }

    @Test func auditRunIDNamedVerifyAfterDoubleDash() throws {
        #expect(try parsed(["audit", "--", "verify"]) == ParsedCommand(path: ["audit"], arguments: ["RUN_ID": ["verify"]]))
    }

    @Test func subcommandNameAfterAnArgumentIsAnArgument() {
        #expect(parseError(["audit", "R1", "verify"]) == .unexpectedArgument("verify", path: ["audit"]))
    }

    @Test func parentOptionNotAcceptedBySubcommand() {
        #expect(parseError(["audit", "--json", "verify"]) == .unknownOption("--json", path: ["audit", "verify"], suggestion: nil))
    }

    @Test func subcommandNameAfterDoubleDashAtRootIsNotACommand() {
        #expect(parseError(["--", "list"]) == .unexpectedArgument("list", path: []))
    }

    // MARK: - Help and version

    @Test(
        arguments: [
            ([], []),
            (["--root", "d"], []),
            (["fixtures"], ["fixtures"]),
            (["fixtures", "--root", "d"], ["fixtures"]),
        ] as [([String], [String])])
    func groupCommandWithoutSubcommandShowsHelp(arguments: [String], path: [String]) throws {
        #expect(try parser.parse(arguments) == .help(path: path))
    }

    @Test(
        arguments: [
            (["--help"], []),
            (["-h"], []),
            (["list", "--help"], ["list"]),
            (["list", "-h", "--limt"], ["list"]),
            (["--help", "list"], []),
            (["list", "--limt", "--help"], ["list"]),
            (["list", "--limit", "--help"], ["list"]),
            (["list", "--json=yes", "-h"], ["list"]),
            (["stauts", "--help"], []),
            (["show", "a", "b", "c", "--help"], ["show"]),
            (["status", "-h"], ["status"]),
            (["audit", "verify", "--help"], ["audit", "verify"]),
            (["audit", "R1", "--help"], ["audit"]),
            (["fixtures", "verfy", "-h"], ["fixtures"]),
            (["fixtures", "verify", "x", "-h"], ["fixtures", "verify"]),
            (["--root", "d", "run", "--concurrency", "2", "--help"], ["run"]),
            (["--version", "--help"], []),
        ] as [([String], [String])])
    func helpAnywhereBeforeDoubleDash(arguments: [String], path: [String]) throws {
        #expect(try parser.parse(arguments) == .help(path: path))
    }

    @Test func helpAfterDoubleDashIsAnArgument() throws {
        #expect(try parsed(["validate", "--", "--help"]).argumentList("FILE") == ["--help"])
        #expect(parseError(["list", "--", "-h"]) == .unexpectedArgument("-h", path: ["list"]))
    }

    @Test func versionAtRoot() throws {
        #expect(try parser.parse(["--version"]) == .version)
        #expect(try parser.parse(["--root", "d", "--version"]) == .version)
    }

    @Test func versionAfterSubcommandIsUnknown() {
        #expect(parseError(["list", "--version"]) == .unknownOption("--version", path: ["list"], suggestion: nil))
    }

    // MARK: - Errors and their messages

    struct ErrorCase: Sendable, CustomTestStringConvertible {
        var arguments: [String]
        var error: ParseError
        var message: String
        var testDescription: String { arguments.joined(separator: " ") }
    }

    static let errorCases: [ErrorCase] = [
        ErrorCase(
            arguments: ["stauts"],
            error: .unknownCommand("stauts", path: [], suggestion: "status"),
            message: "unknown command 'stauts'; did you mean 'status'? See 'droprun --help'."
        ),
        ErrorCase(
            arguments: ["lsit", "--json"],
            error: .unknownCommand("lsit", path: [], suggestion: "list"),
            message: "unknown command 'lsit'; did you mean 'list'? See 'droprun --help'."
        ),
        ErrorCase(
            arguments: ["xyzzy"],
            error: .unknownCommand("xyzzy", path: [], suggestion: nil),
            message: "unknown command 'xyzzy'. See 'droprun --help'."
        ),
        ErrorCase(
            arguments: ["fixtures", "verfy"],
            error: .unknownCommand("verfy", path: ["fixtures"], suggestion: "verify"),
            message: "unknown command 'verfy' for 'droprun fixtures'; did you mean 'verify'? See 'droprun fixtures --help'."
        ),
        ErrorCase(
            arguments: ["list", "--limt", "5"],
            error: .unknownOption("--limt", path: ["list"], suggestion: "--limit"),
            message: "unknown option '--limt' for 'droprun list'; did you mean '--limit'? See 'droprun list --help'."
        ),
        ErrorCase(
            arguments: ["list", "--rot=d"],
            error: .unknownOption("--rot", path: ["list"], suggestion: "--root"),
            message: "unknown option '--rot' for 'droprun list'; did you mean '--root'? See 'droprun list --help'."
        ),
        ErrorCase(
            arguments: ["--hlep"],
            error: .unknownOption("--hlep", path: [], suggestion: "--help"),
            message: "unknown option '--hlep' for 'droprun'; did you mean '--help'? See 'droprun --help'."
        ),
        ErrorCase(
            arguments: ["--bogus", "list"],
            error: .unknownOption("--bogus", path: [], suggestion: nil),
            message: "unknown option '--bogus' for 'droprun'. See 'droprun --help'."
        ),
        ErrorCase(
            arguments: ["list", "-x"],
            error: .unknownOption("-x", path: ["list"], suggestion: nil),
            message: "unknown option '-x' for 'droprun list'. See 'droprun list --help'."
        ),
        ErrorCase(
            arguments: ["list", "-limit", "5"],
            error: .unknownOption("-limit", path: ["list"], suggestion: "--limit"),
            message: "unknown option '-limit' for 'droprun list'; did you mean '--limit'? See 'droprun list --help'."
        ),
        ErrorCase(
            arguments: ["run", "--once", "--concurency", "2"],
            error: .unknownOption("--concurency", path: ["run"], suggestion: "--concurrency"),
            message: "unknown option '--concurency' for 'droprun run'; did you mean '--concurrency'? See 'droprun run --help'."
        ),
        ErrorCase(
            arguments: ["list", "--limit"],
            error: .missingValue(option: "--limit", path: ["list"]),
            message: "missing value for option '--limit' of 'droprun list'. See 'droprun list --help'."
        ),
        ErrorCase(
            arguments: ["list", "-n", "--json"],
            error: .missingValue(option: "-n", path: ["list"]),
            message: "missing value for option '-n' of 'droprun list'. See 'droprun list --help'."
        ),
        ErrorCase(
            arguments: ["list", "--status", "--", "x"],
            error: .missingValue(option: "--status", path: ["list"]),
            message: "missing value for option '--status' of 'droprun list'. See 'droprun list --help'."
        ),
        ErrorCase(
            arguments: ["--root"],
            error: .missingValue(option: "--root", path: []),
            message: "missing value for option '--root' of 'droprun'. See 'droprun --help'."
        ),
        ErrorCase(
            arguments: ["status", "--json"],
            error: .missingArgument("RUN_ID", path: ["status"]),
            message: "missing argument RUN_ID for 'droprun status'. See 'droprun status --help'."
        ),
        ErrorCase(
            arguments: ["validate"],
            error: .missingArgument("FILE", path: ["validate"]),
            message: "missing argument FILE for 'droprun validate'. See 'droprun validate --help'."
        ),
        ErrorCase(
            arguments: ["show", "a", "b"],
            error: .unexpectedArgument("b", path: ["show"]),
            message: "unexpected argument 'b' for 'droprun show'. See 'droprun show --help'."
        ),
        ErrorCase(
            arguments: ["list", "extra"],
            error: .unexpectedArgument("extra", path: ["list"]),
            message: "unexpected argument 'extra' for 'droprun list'. See 'droprun list --help'."
        ),
        ErrorCase(
            arguments: ["audit", "verify", "R1"],
            error: .unexpectedArgument("R1", path: ["audit", "verify"]),
            message: "unexpected argument 'R1' for 'droprun audit verify'. See 'droprun audit verify --help'."
        ),
        ErrorCase(
            arguments: ["list", "--json=yes"],
            error: .flagWithValue(option: "--json"),
            message: "option '--json' is a flag and takes no value; write just '--json'."
        ),
        ErrorCase(
            arguments: ["--version=2"],
            error: .flagWithValue(option: "--version"),
            message: "option '--version' is a flag and takes no value; write just '--version'."
        ),
        ErrorCase(
            arguments: ["list", "--limit", "1", "--limit", "2"],
            error: .duplicateOption("--limit"),
            message: "option '--limit' was given more than once; give it only once."
        ),
        ErrorCase(
            arguments: ["list", "-n", "1", "--limit=2"],
            error: .duplicateOption("--limit"),
            message: "option '--limit' was given more than once; give it only once."
        ),
        ErrorCase(
            arguments: ["--root", "a", "list", "--root", "b"],
            error: .duplicateOption("--root"),
            message: "option '--root' was given more than once; give it only once."
        ),
    ]

    @Test(arguments: errorCases)
    func errorAndMessage(_ errorCase: ErrorCase) {
        let error = parseError(errorCase.arguments)
        #expect(error == errorCase.error)
        #expect(error?.description == errorCase.message)
    }

    @Test(
        arguments: [
            (
                "abc", 1...1000, "an integer from 1 to 1000",
                "invalid value 'abc' for option '--limit'; expected an integer from 1 to 1000."
            ),
            (
                "0", 1...1000, "an integer from 1 to 1000",
                "invalid value '0' for option '--limit'; expected an integer from 1 to 1000."
            ),
            (
                "1001", 1...1000, "an integer from 1 to 1000",
                "invalid value '1001' for option '--limit'; expected an integer from 1 to 1000."
            ),
            (
                "", 1...Int.max, "an integer of at least 1",
                "invalid value '' for option '--limit'; expected an integer of at least 1."
            ),
            (
                "5.0", Int.min...9, "an integer of at most 9",
                "invalid value '5.0' for option '--limit'; expected an integer of at most 9."
            ),
        ] as [(String, ClosedRange<Int>, String, String)])
    func invalidIntegerValue(value: String, range: ClosedRange<Int>, expected: String, message: String) throws {
        let command = try parsed(["list", "--limit=\(value)"])
        let error = ParseError.invalidValue(option: "--limit", value: value, expected: expected)
        #expect(throws: error) { try command.intValue("limit", range: range) }
        #expect(error.description == message)
    }

    @Test func validIntegerValue() throws {
        #expect(try parsed(["list", "--limit", "1000"]).intValue("limit", range: 1...1000) == 1000)
        #expect(try parsed(["list", "--limit", "1"]).intValue("limit", range: 1...1000) == 1)
    }

    @Test func errorsArePrintableAsIs() {
        for errorCase in Self.errorCases {
            let message = errorCase.error.description
            #expect(message.hasSuffix(".") || message.hasSuffix("?"))
            #expect(!message.contains("\n"))
        }
    }

    // MARK: - Specs as data

    @Test func specConstructors() {
        #expect(OptionSpec.flag("json", help: "J") == OptionSpec("json", kind: .flag, help: "J"))
        #expect(
            OptionSpec.value("limit", short: "n", valueName: "N", help: "L", repeatable: true)
                == OptionSpec("limit", short: "n", kind: .value(valueName: "N"), help: "L", repeatable: true))
        #expect(ArgumentSpec("X", help: "x").arity == .required)
    }

    @Test func customRootNameAndNoGlobals() throws {
        let parser = ArgumentParser(
            root: CommandSpec(
                name: "tool",
                abstract: "A tool.",
                arguments: [ArgumentSpec("input", help: "Input.")],
                options: [.flag("verbose", short: "v", help: "More output.")]
            ))
        #expect(try parser.parse(["-v", "in.txt"]) == .run(ParsedCommand(flags: ["verbose"], arguments: ["input": ["in.txt"]])))
        #expect(throws: ParseError.missingArgument("input", path: [])) { try parser.parse([]) }
        #expect(throws: ParseError.unknownOption("--verbos", path: [], suggestion: "--verbose")) { try parser.parse(["--verbos"]) }
    }
}
