/// A command or subcommand, described as data.
///
/// A tree of these is the whole command-line surface: the parser walks it to resolve
/// subcommands, and help renders it, so adding a command is adding a value here.
public struct CommandSpec: Sendable {
    /// The word that selects the command, e.g. `list`; for the root, the program name.
    public var name: String
    /// One line, shown in the parent's SUBCOMMANDS list and at the top of its own help.
    public var abstract: String
    /// Optional paragraph(s) shown in its own help; line breaks and blank lines are kept.
    public var discussion: String?
    /// Positional arguments, in order.
    public var arguments: [ArgumentSpec]
    /// Options of this command (global options are given to the parser separately).
    public var options: [OptionSpec]
    /// Subcommands, in the order help lists them.
    public var subcommands: [CommandSpec]
    /// Optional command lines shown under EXAMPLES.
    public var examples: [String]

    /// Describes a command.
    public init(
        name: String,
        abstract: String,
        discussion: String? = nil,
        arguments: [ArgumentSpec] = [],
        options: [OptionSpec] = [],
        subcommands: [CommandSpec] = [],
        examples: [String] = []
    ) {
        self.name = name
        self.abstract = abstract
        self.discussion = discussion
        self.arguments = arguments
        self.options = options
        self.subcommands = subcommands
        self.examples = examples
    }

    /// The direct subcommand with this exact name, if any.
    func subcommand(named word: String) -> CommandSpec? {
        subcommands.first { $0.name == word }
    }

    /// A command that only groups subcommands (like the root or `fixtures`).
    ///
    /// For such a command an unknown word is a mistyped subcommand, and no word at all
    /// means the user wants to see what is available.
    var isGroupOnly: Bool { !subcommands.isEmpty && arguments.isEmpty }
}
