import Foundation

/// A dropped file that never became a run, as `outbox/rejected/<name>.error.json` describes it.
///
/// Its run id is the `id` inside the kept file when that parses, else the
/// file name without `.json` (what the run would have been called).
struct RejectedDrop: Sendable {
    /// The name it is filed under in `outbox/rejected/` (`x.json`, `x~2.json`, ...).
    var rejectedAs: String
    /// The name it was dropped as.
    var file: String
    /// The run id it would have had.
    var runId: String
    /// Why it was rejected.
    var why: Reason
    /// The reason as written in the error file, one word (`invalid_request`, ...), for text and JSON output.
    var reason: String { why.word }
    /// When it was rejected, as written.
    var rejectedAt: String?
    /// Each error: `message` and, when it is about a JSON value, `path`.
    var errors: [JSONValue]
    /// Earlier rejections filed under the same name (`x.json` before `x~2.json`).
    var earlier: Int = 0

    /// `outbox/rejected/<rejectedAs>.error.json`, relative to the root.
    var errorFile: String { "outbox/rejected/\(rejectedAs).error.json" }

    /// Each error as one line, `path: message`.
    var errorLines: [String] {
        errors.map { error in
            let message = error["message"]?.stringValue ?? JSONWriter.compact(error)
            return error["path"]?.stringValue.map { "\($0): \(message)" } ?? message
        }
    }

    /// What to do about it, for people.
    var advice: String {
        switch why {
        case .known(.duplicate): "the run it repeats is unaffected; to run a finished run again, droprun retry \(runId)"
        case .known(.unknownRun), .known(.invalidState): "it was a control message; nothing was changed"
        default: "fix the request and drop it again"
        }
    }

    /// For `--json` output.
    var json: JSONValue {
        [
            "runId": .string(runId), "status": "rejected", "file": .string(file), "rejectedAs": .string(rejectedAs),
            "record": .string(errorFile), "kept": .string("outbox/rejected/\(rejectedAs)"), "reason": .string(reason),
            "rejectedAt": rejectedAt.map(JSONValue.string) ?? .null, "errors": .array(errors), "earlierRejections": .int(earlier),
        ]
    }

    /// Reads the rejection filed as `name`; nil when there is none (or its error file is not JSON).
    static func read(_ name: String, layout: RootLayout, fs: any FileSystem) -> RejectedDrop? {
        guard let bytes = try? fs.readFile(Path.join(layout.rejected, name + ".error.json"), maxBytes: 16 << 20),
            let json = try? JSONParser.parse(bytes)
        else { return nil }
        let file = json["file"]?.stringValue ?? name
        return RejectedDrop(
            rejectedAs: name, file: file, runId: keptRunId(name, layout: layout, fs: fs) ?? RunID.fromFileName(file),
            why: Reason(json["reason"]?.stringValue), rejectedAt: json["rejectedAt"]?.stringValue, errors: json["errors"]?.arrayValue ?? [])
    }

    /// The `id` inside the kept file, when it is a small regular file that parses and has one.
    static func keptRunId(_ name: String, layout: RootLayout, fs: any FileSystem) -> String? {
        guard let bytes = try? fs.readRegularFile(Path.join(layout.rejected, name), maxBytes: scanLimit),
            let json = try? JSONParser.parse(bytes)
        else { return nil }
        return json["id"]?.stringValue
    }

    /// Kept files larger than this are not read for their id (a `too_large` drop may be any size).
    static let scanLimit = 1 << 20

    /// Every rejection filed under `name` or its later copies (`x~2.json`, ...), oldest first: one `stat` each, plus one more.
    static func filed(under name: String, layout: RootLayout, fs: any FileSystem) -> [String] {
        guard fs.exists(Path.join(layout.rejected, name + ".error.json")) else { return [] }
        var names = [name]
        let stem = name.hasSuffix(".json") ? String(name.dropLast(5)) : name
        let ext = name.hasSuffix(".json") ? ".json" : ""
        var n = 2
        while fs.exists(Path.join(layout.rejected, "\(stem)~\(n)\(ext).error.json")) {
            names.append("\(stem)~\(n)\(ext)")
            n += 1
        }
        return names
    }

    /// The newest rejection of a drop named `fileNames` (a `stat` per name), else one whose kept file carries one
    /// of `runIds` as its `id` (a listing of `outbox/rejected/` and a read of each kept file that mentions it).
    static func find(fileNames: [String], runIds: [String], layout: RootLayout, fs: any FileSystem) -> RejectedDrop? {
        for name in fileNames {
            let names = filed(under: name, layout: layout, fs: fs)
            if let newest = names.last, var drop = read(newest, layout: layout, fs: fs) {
                drop.earlier = names.count - 1
                return drop
            }
        }
        return scan(runIds: runIds, layout: layout, fs: fs).last
    }

    /// Rejections whose kept file's `id` is one of `runIds`, oldest first (by `rejectedAt`).
    ///
    /// Lists `outbox/rejected/` once and reads each kept file up to `scanLimit`
    /// bytes; only those whose bytes contain the quoted id are parsed.
    static func scan(runIds: [String], layout: RootLayout, fs: any FileSystem) -> [RejectedDrop] {
        guard !runIds.isEmpty, let entries = try? fs.list(layout.rejected) else { return [] }
        let needles = runIds.map { Array("\"\($0)\"".utf8) }
        var found: [RejectedDrop] = []
        for entry in entries where !entry.name.hasPrefix(".") && !entry.name.hasSuffix(".error.json") {
            guard let bytes = try? fs.readRegularFile(Path.join(layout.rejected, entry.name), maxBytes: scanLimit),
                needles.contains(where: { bytes.contains(subsequence: $0) }),
                let json = try? JSONParser.parse(bytes), let id = json["id"]?.stringValue, runIds.contains(id),
                var drop = read(entry.name, layout: layout, fs: fs)
            else { continue }
            drop.runId = id
            found.append(drop)
        }
        return found.sorted { ($0.rejectedAt ?? "") < ($1.rejectedAt ?? "") }
    }
}

extension RejectedDrop {
    /// A rejection's reason as read from its error file: one droprun knows, or another word (a file written by
    /// another version of droprun, or by hand), kept as written.
    enum Reason: Sendable, Equatable {
        /// A reason of this droprun.
        case known(RejectionReason)
        /// A word this droprun does not know ("?" when the file names none).
        case other(String)

        init(_ word: String?) {
            guard let word else {
                self = .other("?")
                return
            }
            self = RejectionReason(rawValue: word).map(Reason.known) ?? .other(word)
        }

        /// The word, as written.
        var word: String {
            switch self {
            case .known(let reason): reason.rawValue
            case .other(let word): word
            }
        }
    }
}

extension Array where Element == UInt8 {
    /// True when `needle` occurs in the bytes.
    func contains(subsequence needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, needle.count <= count, let first = needle.first else { return needle.isEmpty }
        var i = 0
        let last = count - needle.count
        while i <= last {
            if self[i] == first, self[i..<(i + needle.count)].elementsEqual(needle) { return true }
            i += 1
        }
        return false
    }
}
