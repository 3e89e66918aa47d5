/// One option a command accepts, described as data (drives parsing and help).
///
/// Options are plain values rather than property wrappers so that one description feeds
/// the parser, the usage line, the OPTIONS section of the help and the "did you mean"
/// candidates; the four can never disagree about what a command accepts.
public struct OptionSpec: Sendable, Equatable {
    /// Whether an option is a bare switch or carries a value.
    ///
    /// The value name is part of the kind because only value options have one, and it is
    /// what the help shows after the option (`--limit N`).
    public enum Kind: Sendable, Equatable {
        /// A switch such as `--json`: present or absent, never given a value.
        case flag
        /// An option followed by a value, shown in help as `--name VALUE_NAME`.
        case value(valueName: String)
    }

    /// Long name without dashes: `"limit"` is written `--limit`.
    public var name: String
    /// Optional one-letter alias: `"n"` is written `-n`.
    public var short: Character?
    /// Flag or value option.
    public var kind: Kind
    /// One line (or a short paragraph) for the OPTIONS section of the help.
    public var help: String
    /// Value options only: whether it may be given several times (all values are kept).
    public var repeatable: Bool

    /// Describes an option; prefer `flag(_:short:help:)` and `value(_:short:valueName:help:repeatable:)`.
    public init(
        _ name: String,
        short: Character? = nil,
        kind: Kind = .flag,
        help: String,
        repeatable: Bool = false
    ) {
        self.name = name
        self.short = short
        self.kind = kind
        self.help = help
        self.repeatable = repeatable
    }

    /// A switch such as `--json`.
    public static func flag(_ name: String, short: Character? = nil, help: String) -> OptionSpec {
        OptionSpec(name, short: short, kind: .flag, help: help)
    }

    /// An option that takes a value, such as `--limit N`.
    public static func value(
        _ name: String,
        short: Character? = nil,
        valueName: String,
        help: String,
        repeatable: Bool = false
    ) -> OptionSpec {
        OptionSpec(name, short: short, kind: .value(valueName: valueName), help: help, repeatable: repeatable)
    }

    /// The option as the user types its long form, e.g. `--limit`.
    ///
    /// Errors and help quote options this way so that messages can be pasted back.
    var longForm: String { "--" + name }

    /// The value placeholder, or nil for a flag.
    var valueName: String? {
        switch kind {
        case .flag: return nil
        case .value(let valueName): return valueName
        }
    }

    /// True for a flag.
    var isFlag: Bool { valueName == nil }

    /// Whether several values are kept; flags are never repeatable.
    var acceptsRepeats: Bool { repeatable && !isFlag }

    /// The built-in `-h, --help` option every command accepts.
    ///
    /// It is described as data too so that help lists it like any other option.
    static let builtInHelp = OptionSpec.flag("help", short: "h", help: "Show help for this command.")

    /// The built-in `--version` option the root command accepts.
    static let builtInVersion = OptionSpec.flag("version", help: "Show the version and exit.")
}
