import DroprunKit
import Foundation

/// A fresh droprun root in a temporary folder, with helpers to drop files and read what lands.
public final class TemporaryRoot: Sendable {
    /// The root folder's absolute path.
    public let path: String

    /// Creates an empty folder (no droprun folders yet, unless `initialized`).
    public init(initialized: Bool = true) throws {
        let base = FileManager.default.temporaryDirectory.path
        var template = Array(Path.join(base, "droprun-test-XXXXXX").utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ buffer in buffer.baseAddress.flatMap { mkdtemp($0) } }) else {
            throw CocoaError(.fileWriteUnknown)
        }
        path = String(cString: made)
        if initialized { try RootLayout(root: path).createFolders(PosixFileSystem()) }
    }

    deinit { if ProcessInfo.processInfo.environment["DROPRUN_KEEP_ROOTS"] == nil { try? FileManager.default.removeItem(atPath: path) } }

    /// The root's folders.
    public var layout: RootLayout { RootLayout(root: path) }

    /// `path/relative`.
    public func file(_ relative: String) -> String { Path.join(path, relative) }

    /// Writes `text` at `relative` (creating folders), as a dropping system would.
    public func write(_ relative: String, _ text: String) throws {
        let full = file(relative)
        try FileManager.default.createDirectory(atPath: Path.parent(full), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: full))
    }

    /// Drops a request into the inbox under `name`.
    public func drop(_ name: String, _ text: String) throws { try write("inbox/" + name, text) }

    /// The text at `relative`, or nil.
    public func read(_ relative: String) -> String? {
        guard let data = FileManager.default.contents(atPath: file(relative)) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// The JSON at `relative`, or nil.
    public func json(_ relative: String) -> JSONValue? {
        guard let data = FileManager.default.contents(atPath: file(relative)) else { return nil }
        return try? RecordReader.parse(Array(data))
    }

    /// True when something exists at `relative` (links not followed).
    public func exists(_ relative: String) -> Bool { PosixFileSystem().exists(file(relative)) }

    /// Names in the folder at `relative`, sorted.
    public func list(_ relative: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: file(relative))) ?? []).sorted()
    }

    /// Every audit event (parsed), in file then line order.
    public func auditEvents() -> [JSONValue] {
        list("outbox/audit").flatMap { name -> [JSONValue] in
            (read("outbox/audit/" + name) ?? "").split(separator: "\n").compactMap { try? RecordReader.parse(Array($0.utf8)) }
        }
    }

    /// Every regular file under the root, relative to it.
    public func everyFile() -> [String] {
        var files: [String] = []
        let enumerator = FileManager.default.enumerator(atPath: path)
        while let relative = enumerator?.nextObject() as? String {
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: file(relative), isDirectory: &isFolder), !isFolder.boolValue { files.append(relative) }
        }
        return files.sorted()
    }

    /// The files under the root whose bytes hold `text` (a secret that must never reach the disk).
    public func filesHolding(_ text: String) -> [String] {
        everyFile().filter { relative in
            FileManager.default.contents(atPath: file(relative)).map { String(decoding: $0, as: UTF8.self).contains(text) } ?? false
        }
    }

    /// The audit event names about `runId` (or all, when nil), in order.
    public func auditEventNames(runId: String? = nil) -> [String] {
        auditEvents().filter { runId == nil || $0["runId"]?.stringValue == runId }.compactMap { $0["event"]?.stringValue }
    }
}
