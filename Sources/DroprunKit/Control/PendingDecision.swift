import Foundation

/// An approval or rejection dropped for a waiting run that no runner has applied yet.
///
/// Found by name: `droprun approve|reject` and `droprun submit` of an approval
/// name the file `<runId>.approve.<time>...json` or `<runId>.reject.<time>...json`,
/// so one listing of the inbox (and of each runner's claim folder, where a
/// runner holds a message it is about to apply) finds it. A decision dropped
/// by hand under another name (`inbox/ap1.json`) is found by its content:
/// every other `*.json` entry of those folders of at most `handDroppedLimit`
/// bytes is read (one `lstat` each, a read of each small one, a parse only of
/// those whose bytes hold `"approval"` and the quoted run id). A hand-dropped
/// decision larger than that is not seen until a runner applies it.
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

    /// What happens next, for people (true whatever the workflow says: a rejection its step continues on, or one
    /// whose run has onFailure steps, is taken up by the next runner too).
    var next: String {
        approve
            ? "resumes on the next runner"
            : "applied by the next runner: the run fails (approval_rejected, after its onFailure steps), or goes on where its step says onReject: continue"
    }

    /// For `--json` output.
    var json: JSONValue {
        ["decision": .string(ControlVerb(approve: approve).rawValue), "by": by.map(JSONValue.string) ?? .null, "file": .string(path)]
    }

    /// Inbox files larger than this are not read to find a decision dropped by hand (a decision is some 100 bytes).
    static let handDroppedLimit = 4096

    /// The first decision dropped for `runId` and not applied yet, if any.
    static func find(_ runId: String, layout: RootLayout, fs: any FileSystem) -> PendingDecision? {
        var folders = [layout.inbox]
        for runner in (try? fs.list(layout.claimed)) ?? [] where !runner.name.hasPrefix(".") {
            folders.append(Path.join(layout.claimed, runner.name))
        }
        var candidates: [(name: String, path: String, approve: Bool)] = []
        var others: [(path: String, modified: Date)] = []
        let needles = [Array("\"approval\"".utf8), Array(JSONWriter.compact(.string(runId)).utf8)]
        for folder in folders {
            for entry in (try? fs.list(folder)) ?? [] where !entry.name.hasPrefix(".") {
                if let verb = ControlVerb.decisions.first(where: { entry.name.hasPrefix(RootLayout.controlMessagePrefix(runId: runId, verb: $0)) }) {
                    candidates.append((entry.name, Path.join(folder, entry.name), verb == .approve))
                    continue
                }
                let path = Path.join(folder, entry.name)
                guard entry.name.hasSuffix(".json"), let info = try? fs.info(path), info.type == .regular, info.size <= handDroppedLimit,
                    let bytes = try? fs.readRegularFile(path, maxBytes: handDroppedLimit), needles.allSatisfy({ bytes.contains(subsequence: $0) })
                else { continue }
                others.append((path, info.modified))
            }
        }
        // Names carry the time they were dropped (`Timestamp.compact`), so name order is drop order; hand-dropped
        // decisions come after, oldest first.
        let ordered =
            candidates.sorted(by: { $0.name < $1.name })
            + others.sorted(by: { $0.modified < $1.modified }).map { (name: Path.name($0.path), path: $0.path, approve: true) }
        for candidate in ordered {
            guard let bytes = try? fs.readRegularFile(candidate.path, maxBytes: 1 << 20), let json = try? JSONParser.parse(bytes),
                json["kind"]?.stringValue == "approval", json["runId"]?.stringValue == runId
            else { continue }
            let approve = json["decision"]?.stringValue.map { $0 == ControlVerb.approve.rawValue } ?? candidate.approve
            return PendingDecision(approve: approve, by: json["by"]?.stringValue, path: layout.relative(candidate.path))
        }
        return nil
    }
}
