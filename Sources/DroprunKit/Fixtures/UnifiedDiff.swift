/// A unified diff of two texts, line by line (longest common subsequence), for fixture mismatches.
public enum UnifiedDiff {
    /// The diff of `old` (labelled `oldName`) and `new`, with `context` lines around each change; empty when they are equal.
    public static func render(_ old: String, _ new: String, oldName: String, newName: String, context: Int = 3) -> String {
        let a = old.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let b = new.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if a == b { return "" }
        // LCS table from the end (fine for fixture-sized files).
        var lcs = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in stride(from: a.count - 1, through: 0, by: -1) {
            for j in stride(from: b.count - 1, through: 0, by: -1) {
                lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : max(lcs[i + 1][j], lcs[i][j + 1])
            }
        }
        enum Line {
            case same(String)
            case removed(String)
            case added(String)
        }
        var lines: [(Line, Int, Int)] = []  // line, old index, new index (0-based, before the line)
        var i = 0
        var j = 0
        while i < a.count || j < b.count {
            if i < a.count, j < b.count, a[i] == b[j] {
                lines.append((.same(a[i]), i, j))
                i += 1
                j += 1
            } else if i < a.count, j == b.count || lcs[i + 1][j] >= lcs[i][j + 1] {
                lines.append((.removed(a[i]), i, j))
                i += 1
            } else {
                lines.append((.added(b[j]), i, j))
                j += 1
            }
        }
        var out = "--- \(oldName)\n+++ \(newName)\n"
        var index = 0
        while index < lines.count {
            guard let change = lines[index...].firstIndex(where: { if case .same = $0.0 { false } else { true } }) else { break }
            let start = max(0, change - context)
            var end = change
            var lastChange = change
            while end < lines.count {
                if case .same = lines[end].0 {
                    if end - lastChange > 2 * context { break }
                } else {
                    lastChange = end
                }
                end += 1
            }
            end = min(lines.count, lastChange + context + 1)
            let hunk = lines[start..<end]
            let oldCount = hunk.filter { if case .added = $0.0 { false } else { true } }.count
            let newCount = hunk.filter { if case .removed = $0.0 { false } else { true } }.count
            out += "@@ -\(hunk.first.map { $0.1 + 1 } ?? 0),\(oldCount) +\(hunk.first.map { $0.2 + 1 } ?? 0),\(newCount) @@\n"
            for (line, _, _) in hunk {
                switch line {
                case .same(let text): out += " \(text)\n"
                case .removed(let text): out += "-\(text)\n"
                case .added(let text): out += "+\(text)\n"
                }
            }
            index = end
        }
        return out
    }
}
