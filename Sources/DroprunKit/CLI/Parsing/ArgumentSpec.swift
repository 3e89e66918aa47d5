/// A positional argument, described as data.
///
/// The arity lives next to the name so that the parser's count check and the usage line
/// (`RUN_ID`, `[DIR]`, `FILE ...`, `[NAME ...]`) come from the same place.
public struct ArgumentSpec: Sendable, Equatable {
    /// How many values the argument takes.
    ///
    /// Four cases cover what a small CLI needs without a general min/max pair that help
    /// could not render simply.
    public enum Arity: Sendable, Equatable {
        /// Exactly one value.
        case required
        /// Zero or one value.
        case optional
        /// At least one value.
        case oneOrMore
        /// Any number of values.
        case zeroOrMore
    }

    /// The key in `ParsedCommand.arguments`; shown in usage in upper case, e.g. `RUN_ID`.
    public var name: String
    /// How many values it takes.
    public var arity: Arity
    /// One line (or a short paragraph) for the ARGUMENTS section of the help.
    public var help: String

    /// Describes a positional argument.
    public init(_ name: String, arity: Arity = .required, help: String) {
        self.name = name
        self.arity = arity
        self.help = help
    }

    /// The name as usage and messages show it, e.g. `RUN_ID`.
    var displayName: String { name.uppercased() }

    /// The fewest values the argument accepts.
    var minimumCount: Int {
        switch arity {
        case .required, .oneOrMore: return 1
        case .optional, .zeroOrMore: return 0
        }
    }

    /// The most values the argument accepts, or nil when unbounded.
    var maximumCount: Int? {
        switch arity {
        case .required, .optional: return 1
        case .oneOrMore, .zeroOrMore: return nil
        }
    }

    /// The usage-line form: `RUN_ID`, `[DIR]`, `FILE ...` or `[NAME ...]`.
    var usageForm: String {
        switch arity {
        case .required: return displayName
        case .optional: return "[\(displayName)]"
        case .oneOrMore: return "\(displayName) ..."
        case .zeroOrMore: return "[\(displayName) ...]"
        }
    }
}
