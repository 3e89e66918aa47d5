/// The newest `limit` rows offered, in `list`'s order, one per run (the row from the better source wins).
struct NewestRows {
    let limit: Int
    /// Newest first.
    private(set) var rows: [ListRow] = []
    private var identities: Set<String> = []

    init(limit: Int) { self.limit = limit }

    /// The oldest row kept, once `limit` are kept: an older row cannot enter.
    var oldestIfFull: ListRow? { rows.count >= limit ? rows.last : nil }

    mutating func offer(_ row: ListRow) {
        let identity = row.identity
        if identities.contains(identity) {
            guard let index = rows.firstIndex(where: { $0.identity == identity }), row.source < rows[index].source else { return }
            rows.remove(at: index)
            identities.remove(identity)
        }
        if let oldest = oldestIfFull, !row.position.precedes(oldest.position) { return }
        var low = 0
        var high = rows.count
        while low < high {
            let middle = (low + high) / 2
            if rows[middle].position.precedes(row.position) { low = middle + 1 } else { high = middle }
        }
        rows.insert(row, at: low)
        identities.insert(identity)
        if rows.count > limit { identities.remove(rows.removeLast().identity) }
    }
}
