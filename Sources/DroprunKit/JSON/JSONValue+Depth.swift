extension JSONValue {
    /// How many levels of arrays and objects the value nests (a scalar is 0, `[]` is 1, `[[1]]` is 2), as the parser counts them.
    ///
    /// Counting stops past `limit`: the answer is then `limit + 1`, whatever
    /// the real depth. Iterative, so any value can be measured.
    public func nestingDepth(limit: Int = .max) -> Int {
        var deepest = 0
        var pending: [(JSONValue, Int)] = [(self, 0)]
        while let (value, depth) = pending.popLast() {
            let children: [JSONValue]
            switch value {
            case .array(let elements): children = elements
            case .object(let members): children = Array(members.values)
            default: continue
            }
            let level = depth + 1
            if level > deepest {
                deepest = level
                if deepest > limit { return limit + 1 }
            }
            for child in children {
                switch child {
                case .array, .object: pending.append((child, level))
                default: continue
                }
            }
        }
        return deepest
    }
}
