/// The state of one `ArgumentParser.parse(_:)` call while it walks the words.
///
/// Keeping the walk in its own value lets the parser, when an error stops it, still read
/// how deep it got (`path`), which is what `--help` after a mistake should describe.
struct ParseSession: Sendable {
    /// An option of the current command (not a global one) that was given, for the check
    /// made when a later word selects a subcommand.
    private struct GivenOption: Sendable {
        var spec: OptionSpec
        var text: String
    }

    private let globalOptions: [OptionSpec]
    private let words: [String]
    private var index = 0
    private var command: CommandSpec
    private var optionsEnded = false
    private var positionals: [String] = []
    private var values: [String: [String]] = [:]
    private var flags: Set<String> = []
    private var givenCommandOptions: [GivenOption] = []

    /// The subcommands recognised so far (root not included).
    private(set) var path: [String] = []

    init(root: CommandSpec, globalOptions: [OptionSpec], words: [String]) {
        self.command = root
        self.globalOptions = globalOptions
        self.words = words
    }

    /// Walks every word, then checks the positional arguments.
    mutating func run() throws(ParseError) -> ParseOutcome {
        while index < words.count {
            let word = words[index]
            index += 1
            if optionsEnded {
                positionals.append(word)
                continue
            }
            switch CommandLineToken(word) {
            case .terminator:
                optionsEnded = true
            case .help:
                return .help(path: path)
            case .longOption(let name, let inlineValue, let text):
                if let outcome = try takeLongOption(name: name, inlineValue: inlineValue, text: text) {
                    return outcome
                }
            case .shortOption(let name, let inlineValue, let text):
                try takeShortOption(name: name, inlineValue: inlineValue, text: text)
            case .positional(let word):
                try takePositional(word)
            }
        }
        if command.isGroupOnly && positionals.isEmpty {
            // Like `git` with no arguments: show what there is to choose from.
            return .help(path: path)
        }
        let arguments = try assignArguments()
        return .run(ParsedCommand(path: path, values: values, flags: flags, arguments: arguments))
    }

    // MARK: - Options

    /// Handles `--name[=value]`; returns an outcome only for `--version`.
    private mutating func takeLongOption(
        name: String,
        inlineValue: String?,
        text: String
    ) throws(ParseError) -> ParseOutcome? {
        if let (spec, isGlobal) = lookUp({ $0.name == name }) {
            try take(spec, isGlobal: isGlobal, text: text, inlineValue: inlineValue)
            return nil
        }
        if name == OptionSpec.builtInHelp.name {
            // `--help=...`: the only way `--help` reaches here.
            throw .flagWithValue(option: text)
        }
        if name == OptionSpec.builtInVersion.name && path.isEmpty {
            guard inlineValue == nil else { throw .flagWithValue(option: text) }
            // Help still wins when asked for later on the line.
            return Self.helpRequested(in: words[index...]) ? .help(path: path) : .version
        }
        throw .unknownOption(text, path: path, suggestion: suggestLongOption(for: name))
    }

    /// Handles `-x`; longer single-dash words are unknown, with a hint when they spell a long name.
    private mutating func takeShortOption(name: String, inlineValue: String?, text: String) throws(ParseError) {
        if name.count == 1, inlineValue == nil, let letter = name.first,
            let (spec, isGlobal) = lookUp({ $0.short == letter })
        {
            try take(spec, isGlobal: isGlobal, text: text, inlineValue: nil)
            return
        }
        let suggestion = name.count > 1 ? suggestLongOption(for: name) : nil
        throw .unknownOption(text, path: path, suggestion: suggestion)
    }

    /// Records a recognised option, reading its value from `=` or the next word.
    private mutating func take(
        _ spec: OptionSpec,
        isGlobal: Bool,
        text: String,
        inlineValue: String?
    ) throws(ParseError) {
        if !isGlobal {
            givenCommandOptions.append(GivenOption(spec: spec, text: text))
        }
        guard !spec.isFlag else {
            guard inlineValue == nil else { throw .flagWithValue(option: spec.longForm) }
            flags.insert(spec.name)
            return
        }
        let value: String
        if let inlineValue {
            value = inlineValue
        } else if index < words.count, CommandLineToken.canBeValue(words[index]) {
            value = words[index]
            index += 1
        } else {
            throw .missingValue(option: text, path: path)
        }
        if !spec.acceptsRepeats, values[spec.name] != nil {
            throw .duplicateOption(spec.longForm)
        }
        values[spec.name, default: []].append(value)
    }

    /// The first option matching `predicate`, the current command's before the global ones.
    private func lookUp(_ predicate: (OptionSpec) -> Bool) -> (OptionSpec, isGlobal: Bool)? {
        if let spec = command.options.first(where: predicate) { return (spec, false) }
        if let spec = globalOptions.first(where: predicate) { return (spec, true) }
        return nil
    }

    /// The closest long option the current command accepts, with dashes.
    private func suggestLongOption(for name: String) -> String? {
        var candidates = command.options.map(\.name) + globalOptions.map(\.name)
        candidates.append(OptionSpec.builtInHelp.name)
        if path.isEmpty { candidates.append(OptionSpec.builtInVersion.name) }
        return Suggestion.nearest(to: name, among: candidates).map { "--" + $0 }
    }

    // MARK: - Positionals and subcommands

    /// A word before `--`: a subcommand name, a mistyped one, or an argument.
    private mutating func takePositional(_ word: String) throws(ParseError) {
        guard positionals.isEmpty, !command.subcommands.isEmpty else {
            positionals.append(word)
            return
        }
        if let subcommand = command.subcommand(named: word) {
            try descend(into: subcommand)
        } else if command.arguments.isEmpty {
            let names = command.subcommands.map(\.name)
            throw .unknownCommand(word, path: path, suggestion: Suggestion.nearest(to: word, among: names))
        } else {
            // A command with its own arguments: a non-subcommand word is one of them.
            positionals.append(word)
        }
    }

    /// Makes `subcommand` current, checking that options already given still apply.
    ///
    /// The result describes only the final command, so an option of the parent that the
    /// subcommand does not accept would otherwise be silently ignored.
    private mutating func descend(into subcommand: CommandSpec) throws(ParseError) {
        command = subcommand
        path.append(subcommand.name)
        for given in givenCommandOptions {
            let matches = { (spec: OptionSpec) in spec.name == given.spec.name && spec.kind == given.spec.kind }
            if !subcommand.options.contains(where: matches) && !globalOptions.contains(where: matches) {
                throw .unknownOption(given.text, path: path, suggestion: suggestLongOption(for: given.spec.name))
            }
        }
    }

    /// Distributes the positional words over the command's arguments, in order.
    ///
    /// Each argument takes as many words as it may while leaving enough for the required
    /// ones after it, so `[SOURCE] DEST` with one word fills DEST.
    private func assignArguments() throws(ParseError) -> [String: [String]] {
        var assigned: [String: [String]] = [:]
        var rest = positionals[...]
        let specs = command.arguments
        for (position, spec) in specs.enumerated() {
            let neededLater = specs[(position + 1)...].reduce(0) { $0 + $1.minimumCount }
            var count = max(spec.minimumCount, rest.count - neededLater)
            if let maximum = spec.maximumCount { count = min(count, maximum) }
            count = min(count, rest.count)
            guard count >= spec.minimumCount else {
                throw .missingArgument(spec.name, path: path)
            }
            if count > 0 {
                assigned[spec.name] = Array(rest.prefix(count))
                rest = rest.dropFirst(count)
            }
        }
        if let extra = rest.first {
            throw .unexpectedArgument(extra, path: path)
        }
        return assigned
    }

    // MARK: - Help

    /// Whether `-h` or `--help` appears among `words` before any `--`.
    static func helpRequested(in words: ArraySlice<String>) -> Bool {
        for word in words {
            switch CommandLineToken(word) {
            case .terminator: return false
            case .help: return true
            default: continue
            }
        }
        return false
    }
}
