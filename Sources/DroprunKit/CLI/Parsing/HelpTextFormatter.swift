/// Renders the usage line and help text of one command.
///
/// Layout decisions (column widths, section order, wrapping) live here, apart from
/// parsing, so the parser's rules and the help's looks can change independently while
/// both read the same specs.
struct HelpTextFormatter: Sendable {
    /// A label and its help, one entry of ARGUMENTS, OPTIONS or SUBCOMMANDS.
    private struct Row: Sendable {
        var label: String
        var help: String
    }

    /// Help lines are at most this many columns.
    static let width = 80
    /// Labels wider than this get their help on the next line, so one long option does not
    /// push every help column far to the right.
    static let maximumLabelWidth = 26
    /// Usage continuation lines are indented at most this far.
    static let maximumUsageIndent = 32

    /// The command being described.
    let command: CommandSpec
    /// The words that invoke it, starting with the program name, e.g. `["droprun", "list"]`.
    let commandWords: [String]
    /// Options every command accepts.
    let globalOptions: [OptionSpec]
    /// Whether this is the root command (which also lists `--version`).
    let isRoot: Bool

    // MARK: - Usage

    /// `Usage: droprun list [--status S] [--limit N] [--json] [--root DIR]`, on one line.
    func usageLine() -> String {
        (["Usage:"] + commandWords + usageParts()).joined(separator: " ")
    }

    /// The pieces after the command words; each stays whole when wrapped.
    private func usageParts() -> [String] {
        var parts = usageOptions.map(Self.usageForm)
        let arguments = command.arguments.map(\.usageForm).joined(separator: " ")
        if command.subcommands.isEmpty {
            if !arguments.isEmpty { parts.append(arguments) }
        } else if arguments.isEmpty {
            parts.append("<subcommand>")
        } else {
            parts.append("(<subcommand> | \(arguments))")
        }
        return parts
    }

    /// `[--json]`, `[--limit N]` or, when repeatable, `[--tag TAG ...]`.
    private static func usageForm(_ option: OptionSpec) -> String {
        guard let valueName = option.valueName else { return "[\(option.longForm)]" }
        let repeats = option.acceptsRepeats ? " ..." : ""
        return "[\(option.longForm) \(valueName)\(repeats)]"
    }

    /// The command's own options, then the global ones it does not redefine.
    private var usageOptions: [OptionSpec] {
        let own = command.options
        return own + globalOptions.filter { global in !own.contains { $0.name == global.name } }
    }

    // MARK: - Help

    /// The whole help text, without a trailing newline.
    func helpText() -> String {
        var blocks: [[String]] = []
        blocks.append(wrappedUsage())
        let abstract = HelpTextWrapper.wrap(command.abstract, width: Self.width)
        if !abstract.isEmpty { blocks.append(abstract) }
        if let discussion = command.discussion {
            let lines = Self.wrapPreservingLines(discussion)
            if !lines.isEmpty { blocks.append(lines) }
        }

        let argumentRows = command.arguments.map { Row(label: $0.displayName, help: $0.help) }
        var optionSpecs = usageOptions + [OptionSpec.builtInHelp]
        if isRoot { optionSpecs.append(OptionSpec.builtInVersion) }
        let optionRows = optionSpecs.map { Row(label: Self.label(for: $0), help: Self.help(for: $0)) }
        let subcommandRows = command.subcommands.map { Row(label: $0.name, help: $0.abstract) }

        let longest = (argumentRows + optionRows + subcommandRows).map(\.label.count).max() ?? 0
        let labelWidth = min(longest, Self.maximumLabelWidth)
        for (title, rows) in [("ARGUMENTS:", argumentRows), ("OPTIONS:", optionRows), ("SUBCOMMANDS:", subcommandRows)]
        where !rows.isEmpty {
            blocks.append([title] + rows.flatMap { Self.render($0, labelWidth: labelWidth) })
        }

        if !command.examples.isEmpty {
            let lines = command.examples.flatMap {
                HelpTextWrapper.wrap($0, width: Self.width, firstIndent: "  ", restIndent: "      ")
            }
            blocks.append(["EXAMPLES:"] + lines)
        }
        if !command.subcommands.isEmpty {
            let invocation = commandWords.joined(separator: " ")
            blocks.append(
                HelpTextWrapper.wrap(
                    "See '\(invocation) <subcommand> --help' for help on a subcommand.",
                    width: Self.width
                ))
        }
        return blocks.map { $0.joined(separator: "\n") }.joined(separator: "\n\n")
    }

    /// The usage line wrapped, continuation lines aligned after the command words.
    private func wrappedUsage() -> [String] {
        let lead = (["Usage:"] + commandWords).joined(separator: " ")
        let indent = String(repeating: " ", count: min(lead.count + 1, Self.maximumUsageIndent))
        return HelpTextWrapper.wrap(
            words: ["Usage:"] + commandWords + usageParts(),
            width: Self.width,
            firstIndent: "",
            restIndent: indent
        )
    }

    /// `-n, --limit N`, or `    --root DIR` without a short name so long names line up.
    private static func label(for option: OptionSpec) -> String {
        let short = option.short.map { "-\($0), " } ?? "    "
        let value = option.valueName.map { " \($0)" } ?? ""
        return short + option.longForm + value
    }

    /// The option's help, noting when it may be repeated.
    private static func help(for option: OptionSpec) -> String {
        option.acceptsRepeats ? option.help + " Can be given more than once." : option.help
    }

    /// One row: label in the left column, help wrapped in the right one.
    private static func render(_ row: Row, labelWidth: Int) -> [String] {
        let column = 2 + labelWidth + 2
        let margin = String(repeating: " ", count: column)
        let help = HelpTextWrapper.wrap(row.help, width: width - column)
        guard row.label.count <= labelWidth else {
            let label = HelpTextWrapper.wrap(row.label, width: width, firstIndent: "  ", restIndent: "    ")
            return label + help.map { margin + $0 }
        }
        let label = "  " + row.label
        guard let first = help.first else { return [label] }
        let padded = label + String(repeating: " ", count: column - label.count)
        return [padded + first] + help.dropFirst().map { margin + $0 }
    }

    /// Wraps each line of `text` on its own, keeping blank lines and each line's indentation.
    ///
    /// Discussions are written by hand; keeping their line structure lets authors make
    /// lists and paragraphs while long lines still fit.
    static func wrapPreservingLines(_ text: String) -> [String] {
        var lines: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let indent = String(line.prefix { $0 == " " || $0 == "\t" })
            let wrapped = HelpTextWrapper.wrap(String(line), width: width, firstIndent: indent, restIndent: indent)
            lines.append(contentsOf: wrapped.isEmpty ? [""] : wrapped)
        }
        while lines.first == "" { lines.removeFirst() }
        while lines.last == "" { lines.removeLast() }
        return lines
    }
}
