/// An approval or rejection dropped for a waiting run that no runner has applied yet.
///
/// Found by name: `droprun approve|reject` and `droprun submit` of an approval
/// name the file `<runId>.approve.<time>...json` or `<runId>.reject.<time>...json`,
/// so one listing of the inbox (and of each runner's claim folder, where a
/// runner holds a message it is about to apply) finds it. An approval dropped
/// by hand under another name is not seen until a runner applies it.
struct PendingDecision: Sendable {
    /// True for an approval, false for a rejection.
    var approve: Bool
    /// Who decided, when the message says.
    var by: String?
    /// The file, relative to the root.
    var path: String

    /// "approved by alice (inbox/r1.approve....json)".
    var summary: String {
        (approve ? "approved" : "rejected") + (by.map { " by \($0)" } ?? "") + " (\(path))"
    }

    /// What happens next, for people.
    var next: String {
        approve ? "resumes on the next runner" : "fails (approval_rejected) on the next runner"
    }

    /// For `--json` output.
    var json: JSONValue {
        ["decision": .string(approve ? "approve" : "reject"), "by": by.map(JSONValue.string) ?? .null, "file": .string(path)]
    }

    /// The first decision dropped for `runId` and not applied yet, if any.
    static func find(_ runId: String, layout: RootLayout, fs: any FileSystem) -> PendingDecision? {
        var folders = [layout.inbox]
        for runner in (try? fs.list(layout.claimed)) ?? [] where !runner.name.hasPrefix(".") {
            folders.append(Path.join(layout.claimed, runner.name))
        }
        var candidates: [(name: String, path: String, approve: Bool)] = []
        for folder in folders {
            for entry in (try? fs.list(folder)) ?? [] {
                for (verb, approve) in [("approve", true), ("reject", false)] where entry.name.hasPrefix("\(runId).\(verb).") {
                    candidates.append((entry.name, Path.join(folder, entry.name), approve))
                }
            }
        }
        // Names carry the time they were dropped (`Timestamp.compact`), so name order is drop order.
        for candidate in candidates.sorted(by: { $0.name < $1.name }) {
            guard let bytes = try? fs.readRegularFile(candidate.path, maxBytes: 1 << 20), let json = try? JSONParser.parse(bytes),
                json["kind"]?.stringValue == "approval", json["runId"]?.stringValue == runId
            else { continue }
            let approve = json["decision"]?.stringValue.map { $0 == "approve" } ?? candidate.approve
            return PendingDecision(approve: approve, by: json["by"]?.stringValue, path: layout.relative(candidate.path))
        }
        return nil
    }
}
