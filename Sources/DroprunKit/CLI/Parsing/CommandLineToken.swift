/// One command-line word, classified by its shape alone.
///
/// Classifying before interpreting keeps the rules for dashes in one place; what a word
/// means (which option, which subcommand) is decided later against the command tree.
enum CommandLineToken: Sendable, Equatable {
    /// `--`: everything after it is positional.
    case terminator
    /// `-h` or `--help`.
    case help
    /// `--name` or `--name=value`; `text` is the part before any `=`, as typed.
    case longOption(name: String, inlineValue: String?, text: String)
    /// `-x` (or a longer single-dash word such as `-limit`); `text` is the part before any `=`.
    case shortOption(name: String, inlineValue: String?, text: String)
    /// Anything else, including a lone `-` (stdin) and negative numbers such as `-5`.
    case positional(String)

    /// Classifies one word as it appears before `--`.
    init(_ word: String) {
        if word == "--" {
            self = .terminator
        } else if word == "-h" || word == "--help" {
            self = .help
        } else if !Self.looksLikeOption(word) {
            self = .positional(word)
        } else if word.hasPrefix("--") {
            let (name, value) = Self.split(word.dropFirst(2))
            self = .longOption(name: name, inlineValue: value, text: "--" + name)
        } else {
            let (name, value) = Self.split(word.dropFirst())
            self = .shortOption(name: name, inlineValue: value, text: "-" + name)
        }
    }

    /// Whether `word` is written like an option: a dash followed by something other than a digit.
    ///
    /// A lone `-` means stdin and `-5` is a number, so both are values, which lets
    /// `--offset -5` work without a special syntax.
    static func looksLikeOption(_ word: String) -> Bool {
        guard word.hasPrefix("-"), word.count > 1 else { return false }
        let second = word[word.index(after: word.startIndex)]
        return !second.isASCII || !second.isNumber
    }

    /// Whether a value option may take `word` as its value.
    ///
    /// Option-shaped words (including `--help`) and `--` are left alone so that a forgotten
    /// value gives "missing value" instead of swallowing the next option.
    static func canBeValue(_ word: String) -> Bool {
        word != "--" && !looksLikeOption(word)
    }

    /// Splits `name=value` at the first `=`.
    private static func split(_ text: Substring) -> (String, String?) {
        guard let equals = text.firstIndex(of: "=") else { return (String(text), nil) }
        return (String(text[..<equals]), String(text[text.index(after: equals)...]))
    }
}
