/// Looks for an event in the audit chains on disk (for recovery's rare questions, never on a run's path).
struct AuditSearch {
    let layout: RootLayout
    let fileSystem: any FileSystem

    /// True when some chain holds a `event` event about `runId` that `matches` accepts.
    ///
    /// `runner` limits the search to that runner's chains (every segment of
    /// each chain whose id ends with `-<runner>`); `mentioning`, when given,
    /// skips without parsing every line that does not contain those bytes.
    /// Each chain is read newest segment first, each segment newest lines
    /// first, in chunks.
    func contains(
        _ event: AuditEventName, runId: String, inChainsOf runner: String? = nil, mentioning: String? = nil,
        where matches: (JSONValue) -> Bool = { _ in true }
    ) -> Bool {
        first(event, runId: runId, inChainsOf: runner, mentioning: mentioning, where: matches) != nil
    }

    /// The newest `event` event about `runId` that `matches` accepts, as `contains` looks for it; nil when there is none.
    func first(
        _ event: AuditEventName, runId: String, inChainsOf runner: String? = nil, mentioning: String? = nil,
        where matches: (JSONValue) -> Bool = { _ in true }
    ) -> JSONValue? {
        let needle = mentioning.map { Array($0.utf8) }
        let chains = (try? AuditChain.list(layout: layout, fileSystem: fileSystem)) ?? []
        for chain in chains where runner.map({ Self.chain(chain.id, isOf: $0) }) ?? true {
            for segment in chain.segments.reversed() {
                let path = Path.join(layout.audit, segment.fileName)
                guard let info = try? fileSystem.info(path) else { continue }
                // Newest lines first, in chunks (`LineChunks`): memory stays at a chunk whatever the segment's size.
                var found: JSONValue?
                try? LineChunks(fileSystem: fileSystem).forEachReversed(path, size: info.size) { line in
                    guard needle.map({ line.firstRange(of: $0) != nil }) ?? true, let json = try? RecordReader.parse(Array(line)),
                        json["runId"]?.stringValue == runId, json["event"]?.stringValue == event.rawValue, matches(json)
                    else { return true }
                    found = json
                    return false
                }
                if let found { return found }
            }
        }
        return nil
    }

    /// Every `event` event about one of `runIds`, by run id: one pass over every segment of every chain, skipping
    /// without parsing each line that lacks the event's bytes (`"event":"<name>"`, as canonical lines hold it).
    func events(_ event: AuditEventName, runIds: Set<String>) -> [String: [JSONValue]] {
        guard !runIds.isEmpty else { return [:] }
        let needle = Array("\"event\":\"\(event.rawValue)\"".utf8)
        var found: [String: [JSONValue]] = [:]
        for chain in (try? AuditChain.list(layout: layout, fileSystem: fileSystem)) ?? [] {
            for segment in chain.segments {
                // In chunks (`LineChunks`): only the lines holding the event's bytes are parsed.
                _ = try? LineChunks(fileSystem: fileSystem).forEach(Path.join(layout.audit, segment.fileName), needles: [needle]) { line in
                    guard let json = try? RecordReader.parse(Array(line.bytes)), let runId = json["runId"]?.stringValue, runIds.contains(runId),
                        json["event"]?.stringValue == event.rawValue
                    else { return true }
                    found[runId, default: []].append(json)
                    return true
                }
            }
        }
        return found
    }

    /// True when the chain `id` was written by the runner whose folder name is `runner`.
    ///
    /// The runner is what follows the chain's start time (`<start>-<runner>`);
    /// an id of another form is matched by its ending, as names were before.
    static func chain(_ id: String, isOf runner: String) -> Bool {
        AuditSegmentName.runner(ofChain: id).map { $0 == runner } ?? id.hasSuffix("-" + runner)
    }
}
