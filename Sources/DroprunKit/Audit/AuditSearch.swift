/// Looks for an event in the audit chains on disk (for recovery's rare questions, never on a run's path).
struct AuditSearch {
    let layout: RootLayout
    let fileSystem: any FileSystem

    /// True when some chain holds a `event` event about `runId` that `matches` accepts.
    ///
    /// `runner` limits the search to that runner's chains (`…-<runner>.jsonl`);
    /// `mentioning`, when given, skips without parsing every line that does not
    /// contain those bytes. Chains are read whole, newest lines first.
    func contains(
        _ event: AuditEventName, runId: String, inChainsOf runner: String? = nil, mentioning: String? = nil,
        where matches: (JSONValue) -> Bool = { _ in true }
    ) -> Bool {
        let needle = mentioning.map { Array($0.utf8) }
        let suffix = runner.map { "-\($0).jsonl" }
        for name in (try? AuditVerifier.auditFiles(layout: layout, fileSystem: fileSystem)) ?? [] where suffix.map(name.hasSuffix) ?? true {
            guard let chain = try? fileSystem.readFile(Path.join(layout.audit, name), maxBytes: 1 << 34) else { continue }
            for line in chain.split(separator: 0x0A).reversed() where needle.map({ line.firstRange(of: $0) != nil }) ?? true {
                guard let json = try? RecordReader.parse(Array(line)), json["runId"]?.stringValue == runId,
                    json["event"]?.stringValue == event.rawValue
                else { continue }
                if matches(json) { return true }
            }
        }
        return false
    }
}
