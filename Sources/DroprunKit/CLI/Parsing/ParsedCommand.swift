/// What the parser found on the command line for one command.
///
/// It is deliberately untyped (names to strings) so the parser stays generic; the small
/// accessors below give commands the typed reads they need, with errors that name the
/// option as the user wrote it.
public struct ParsedCommand: Sendable, Equatable {
    /// Subcommand names from the root down, e.g. `["audit", "verify"]`; the root is not included.
    public var path: [String]
    /// Value option name (without dashes) -> values in the order given.
    public var values: [String: [String]]
    /// Names (without dashes) of the flags given.
    public var flags: Set<String>
    /// Argument name -> values; only arguments that received a value appear.
    public var arguments: [String: [String]]

    /// Builds a result; the parser uses this, and tests of command code can too.
    public init(
        path: [String] = [],
        values: [String: [String]] = [:],
        flags: Set<String> = [],
        arguments: [String: [String]] = [:]
    ) {
        self.path = path
        self.values = values
        self.flags = flags
        self.arguments = arguments
    }

    /// Whether the flag `--name` was given.
    public func flag(_ name: String) -> Bool {
        flags.contains(name)
    }

    /// The value of `--name`; the last one when it was given several times.
    public func value(_ name: String) -> String? {
        values[name]?.last
    }

    /// The first value of the argument `name`.
    public func argument(_ name: String) -> String? {
        arguments[name]?.first
    }

    /// All values of the argument `name` (empty when none were given).
    public func argumentList(_ name: String) -> [String] {
        arguments[name] ?? []
    }

    /// The value of `--name` as an integer within `range`, or nil when the option was not given.
    ///
    /// Throws `ParseError.invalidValue` when the value is not an integer in the range, so
    /// every command reports a bad number the same way.
    public func intValue(_ name: String, range: ClosedRange<Int>) throws(ParseError) -> Int? {
        guard let text = value(name) else { return nil }
        guard let number = Int(text), range.contains(number) else {
            throw ParseError.invalidValue(
                option: "--" + name,
                value: text,
                expected: Self.describe(range)
            )
        }
        return number
    }

    /// Words for an integer range, e.g. "an integer from 1 to 1000".
    static func describe(_ range: ClosedRange<Int>) -> String {
        switch (range.lowerBound, range.upperBound) {
        case (Int.min, Int.max): return "an integer"
        case (let lower, Int.max): return "an integer of at least \(lower)"
        case (Int.min, let upper): return "an integer of at most \(upper)"
        case (let lower, let upper) where lower == upper: return "the integer \(lower)"
        case (let lower, let upper): return "an integer from \(lower) to \(upper)"
        }
    }
}
