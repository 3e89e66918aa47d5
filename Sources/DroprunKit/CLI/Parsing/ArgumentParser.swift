/// Parses droprun's command line against a tree of `CommandSpec`s and renders its help.
///
/// The parser is data-driven: the same specs decide what a word means, what the usage
/// line and help say, and what "did you mean" offers, so they cannot drift apart. It never
/// prints; callers print `ParseError.description` or `helpText(for:)` as they see fit.
///
/// Rules, briefly:
/// - `--name value`, `--name=value`, `-n value` and flags `--json`; `--` ends options and a
///   lone `-` is positional (stdin).
/// - `-h`/`--help` anywhere before `--` asks for help on the deepest command recognised
///   so far, even when other words are wrong; it shadows any option using `-h`.
/// - `--version` on the root command (before any subcommand) asks for the version.
/// - A word naming a subcommand selects it, unless the current command already received a
///   positional argument or the word comes after `--`. A command that only groups
///   subcommands reports other words as unknown commands, and with no subcommand shows help.
/// - Options of the current command and global options may appear anywhere after it.
public struct ArgumentParser: Sendable {
    /// The root command; its name is the program name in usage lines.
    let root: CommandSpec
    /// Options every command accepts, before or after the subcommand, e.g. `--root DIR`.
    let globalOptions: [OptionSpec]

    /// Creates a parser for `root`, with options that every command accepts.
    public init(root: CommandSpec, globalOptions: [OptionSpec] = []) {
        self.root = root
        self.globalOptions = globalOptions
    }

    /// Decides what the command line asks for.
    ///
    /// `arguments` excludes the program name (pass `CommandLine.arguments.dropFirst()`).
    /// When a mistake stops parsing but `-h`/`--help` also appears before `--`, help wins:
    /// someone asking for help should get it, not an error about the words around it.
    public func parse(_ arguments: [String]) throws(ParseError) -> ParseOutcome {
        var session = ParseSession(root: root, globalOptions: globalOptions, words: arguments)
        do throws(ParseError) {
            return try session.run()
        } catch {
            if ParseSession.helpRequested(in: arguments[...]) {
                return .help(path: session.path)
            }
            throw error
        }
    }

    /// The full help for the command at `path` (root not included), wrapped at 80 columns.
    ///
    /// Sections: usage, abstract and discussion, ARGUMENTS, OPTIONS (with global options,
    /// `-h, --help` and, on the root, `--version`), SUBCOMMANDS, EXAMPLES. Unknown path
    /// components are ignored from the first one on, so a stale path still gives useful
    /// help. The text has no trailing newline.
    public func helpText(for path: [String]) -> String {
        formatter(for: path).helpText()
    }

    /// The one-line usage for the command at `path`, e.g.
    /// `Usage: droprun list [--status S] [--limit N] [--json] [--root DIR]`.
    ///
    /// It is never wrapped, so it can follow an error message as a single line.
    public func usageLine(for path: [String]) -> String {
        formatter(for: path).usageLine()
    }

    /// The help formatter for the deepest command `path` names.
    private func formatter(for path: [String]) -> HelpTextFormatter {
        var command = root
        var words = [root.name]
        for name in path {
            guard let subcommand = command.subcommand(named: name) else { break }
            command = subcommand
            words.append(name)
        }
        return HelpTextFormatter(
            command: command,
            commandWords: words,
            globalOptions: globalOptions,
            isRoot: words.count == 1
        )
    }
}
