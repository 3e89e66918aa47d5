/// What a successful parse asks the program to do.
///
/// Help and version are outcomes rather than errors because asking for them is a normal,
/// successful use of the program (exit status 0).
public enum ParseOutcome: Sendable, Equatable {
    /// Run the command found.
    case run(ParsedCommand)
    /// Show help for the command at `path` (root not included); pass it to `ArgumentParser.helpText(for:)`.
    case help(path: [String])
    /// Show the program's version.
    case version
}
