/// "Did you mean" by edit distance.
///
/// Typos on the command line are mostly one wrong, missing, extra or swapped letter, so
/// the distance counts an adjacent transposition as one edit (optimal string alignment
/// Damerau-Levenshtein): `stauts` is one edit from `status`, not two.
public enum Suggestion: Sendable {
    /// The candidate closest to `word`, or nil when none is close enough.
    ///
    /// Letters are compared without regard to case. The default `maxDistance` grows with the
    /// word, `max(1, word.count / 3) + 1`, so short words tolerate two edits and long ones a
    /// few more. A candidate that would replace every letter (distance equal to the longer
    /// length) is never suggested, since it shares nothing with what was typed. Ties go to
    /// the first candidate in the given order.
    public static func nearest(to word: String, among candidates: [String], maxDistance: Int? = nil) -> String? {
        let typed = Array(word.lowercased())
        guard !typed.isEmpty else { return nil }
        let limit = maxDistance ?? defaultMaxDistance(forLength: typed.count)
        var best: (candidate: String, distance: Int)?
        for candidate in candidates {
            let known = Array(candidate.lowercased())
            guard !known.isEmpty else { continue }
            let edits = distance(typed, known)
            guard edits <= limit, edits < max(typed.count, known.count) else { continue }
            if let current = best, current.distance <= edits { continue }
            best = (candidate, edits)
        }
        return best?.candidate
    }

    /// The default threshold for a word of `length` letters.
    static func defaultMaxDistance(forLength length: Int) -> Int {
        max(1, length / 3) + 1
    }

    /// Optimal string alignment distance: insertions, deletions, substitutions and
    /// adjacent transpositions each cost one.
    static func distance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        let columns = b.count + 1
        // Row-major (a.count + 1) x (b.count + 1) table.
        var table = [Int](repeating: 0, count: (a.count + 1) * columns)
        for i in 0...a.count { table[i * columns] = i }
        for j in 0...b.count { table[j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                var best = min(
                    table[(i - 1) * columns + j] + 1,
                    table[i * columns + j - 1] + 1,
                    table[(i - 1) * columns + j - 1] + cost
                )
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    best = min(best, table[(i - 2) * columns + j - 2] + 1)
                }
                table[i * columns + j] = best
            }
        }
        return table[a.count * columns + b.count]
    }

    /// Convenience for strings, used by tests.
    static func distance(_ a: String, _ b: String) -> Int {
        distance(Array(a), Array(b))
    }
}
