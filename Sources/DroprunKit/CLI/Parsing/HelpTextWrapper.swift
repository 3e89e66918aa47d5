/// Greedy word wrapping for help text.
///
/// Help must fit an 80-column terminal whatever the specs say, so a word longer than a
/// whole line is split rather than allowed to overflow.
enum HelpTextWrapper: Sendable {
    /// The words of `text` (split on any whitespace) wrapped to `width` columns.
    static func wrap(_ text: String, width: Int, firstIndent: String = "", restIndent: String = "") -> [String] {
        wrap(words: words(of: text), width: width, firstIndent: firstIndent, restIndent: restIndent)
    }

    /// `words` joined by single spaces into lines of at most `width` characters.
    ///
    /// The first line starts with `firstIndent`, later ones with `restIndent`. A word is
    /// never broken unless it cannot fit on a line of its own. Returns no lines for no words.
    static func wrap(words: [String], width: Int, firstIndent: String, restIndent: String) -> [String] {
        var lines: [String] = []
        var line = firstIndent
        var lineHasWord = false
        for word in words {
            var remaining = Substring(word)
            while !remaining.isEmpty {
                let room = width - line.count - (lineHasWord ? 1 : 0)
                if remaining.count <= room {
                    line += (lineHasWord ? " " : "") + remaining
                    lineHasWord = true
                    remaining = ""
                } else if lineHasWord {
                    lines.append(line)
                    line = restIndent
                    lineHasWord = false
                } else {
                    let piece = max(1, room)
                    line += remaining.prefix(piece)
                    remaining = remaining.dropFirst(piece)
                    lines.append(line)
                    line = restIndent
                }
            }
        }
        if lineHasWord {
            lines.append(line)
        }
        return lines
    }

    /// The whitespace-separated words of `text`.
    static func words(of text: String) -> [String] {
        text.split(whereSeparator: \.isWhitespace).map(String.init)
    }
}
