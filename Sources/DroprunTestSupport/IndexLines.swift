import DroprunKit

extension TemporaryRoot {
    /// Every history index line (parsed) in `outbox/index/`, file by file (day, then writer), in line order; torn lines left out.
    public func indexEntries() -> [IndexEntry] {
        list("outbox/index").filter { IndexFiles.parse(name: $0) != nil }.flatMap { name -> [IndexEntry] in
            (read("outbox/index/" + name) ?? "").split(separator: "\n").compactMap { IndexEntry(line: Array($0.utf8)) }
        }
    }

    /// The index lines about `runId`.
    public func indexEntries(_ runId: String) -> [IndexEntry] { indexEntries().filter { $0.runId == runId } }
}
