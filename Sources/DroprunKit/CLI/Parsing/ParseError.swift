/// Why the command line could not be parsed.
///
/// Each case keeps the pieces a caller might act on (the word, the command path, the
/// suggestion) and `description` turns them into one or two sentences that say what to
/// fix, ending with where to look, so the CLI can print it as-is after "error: ".
///
/// Options are stored as the user would type them, with dashes (`--limit`, or `-n` when
/// that is what was typed). Paths do not include the root, like `ParseOutcome.help(path:)`,
/// so `ArgumentParser.usageLine(for:)` and `helpText(for:)` accept them directly.
public enum ParseError: Error, Equatable, CustomStringConvertible, Sendable {
    /// A word that names no subcommand of a command that only groups subcommands.
    case unknownCommand(String, path: [String], suggestion: String?)
    /// An option the command at `path` does not accept; the suggestion has dashes.
    case unknownOption(String, path: [String], suggestion: String?)
    /// A value option given last on the line, or followed by another option.
    case missingValue(option: String, path: [String])
    /// A required argument (by its spec name) that was not given.
    case missingArgument(String, path: [String])
    /// A positional word the command at `path` has no room for.
    case unexpectedArgument(String, path: [String])
    /// An option value of the wrong shape, e.g. not an integer in range.
    case invalidValue(option: String, value: String, expected: String)
    /// A flag given a value, as in `--json=yes`.
    case flagWithValue(option: String)
    /// A non-repeatable value option given more than once.
    case duplicateOption(String)

    /// The program name messages use when they name a command.
    ///
    /// The cases carry paths without the root (so they match the rest of the API), and an
    /// error cannot reach the parser's root spec, so the name is fixed here.
    static let programName = "droprun"

    /// One or two sentences saying what is wrong and where to look, without "error:" or a newline.
    public var description: String {
        switch self {
        case .unknownCommand(let word, let path, let suggestion):
            let place = path.isEmpty ? "" : " for '\(Self.command(path))'"
            return "unknown command '\(word)'\(place)\(Self.didYouMean(suggestion)) \(Self.seeHelp(path))"
        case .unknownOption(let option, let path, let suggestion):
            return "unknown option '\(option)' for '\(Self.command(path))'\(Self.didYouMean(suggestion)) \(Self.seeHelp(path))"
        case .missingValue(let option, let path):
            return "missing value for option '\(option)' of '\(Self.command(path))'. \(Self.seeHelp(path))"
        case .missingArgument(let name, let path):
            return "missing argument \(name.uppercased()) for '\(Self.command(path))'. \(Self.seeHelp(path))"
        case .unexpectedArgument(let word, let path):
            return "unexpected argument '\(word)' for '\(Self.command(path))'. \(Self.seeHelp(path))"
        case .invalidValue(let option, let value, let expected):
            return "invalid value '\(value)' for option '\(option)'; expected \(expected)."
        case .flagWithValue(let option):
            return "option '\(option)' is a flag and takes no value; write just '\(option)'."
        case .duplicateOption(let option):
            return "option '\(option)' was given more than once; give it only once."
        }
    }

    /// The command as typed, e.g. `droprun list`.
    private static func command(_ path: [String]) -> String {
        ([programName] + path).joined(separator: " ")
    }

    /// `"; did you mean 'x'?"` or `"."`, so the sentence ends either way.
    private static func didYouMean(_ suggestion: String?) -> String {
        suggestion.map { "; did you mean '\($0)'?" } ?? "."
    }

    /// The closing pointer to the command's help.
    private static func seeHelp(_ path: [String]) -> String {
        "See '\(command(path)) --help'."
    }
}
