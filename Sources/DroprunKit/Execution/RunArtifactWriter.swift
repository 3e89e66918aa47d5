import Synchronization

/// Writes one run's artifacts under `artifacts/<runId>/` and nowhere else.
///
/// Names are checked again here (a name built from a reference is only known
/// now); no part of the path may be a symbolic link, so an artifact can never
/// land outside the run's folder. A name one step wrote cannot be written by
/// another step of the run; the same step may replace it (a retry).
final class RunArtifactWriter: ArtifactWriting {
    private let context: EngineContext
    private let runId: String
    /// The entries written so far, guarded by the mutex.
    private let entries: Mutex<[ArtifactEntry]>

    init(context: EngineContext, runId: String, existing: [ArtifactEntry]) {
        self.context = context
        self.runId = runId
        entries = Mutex(existing)
    }

    /// Whether the run's folder was made (or found, and swept) by this writer.
    private let prepared = Mutex(false)

    /// Makes the run's folder at the first write; when it was already there (the run was taken over or resumed),
    /// removes the hidden temporary files (`.name.pid.n.tmp`) a runner killed mid-write left under it. This runner
    /// holds the run, so no one else writes there; writes of this writer wait until the sweep is done.
    private func prepareFolder(_ folder: String) throws(FileSystemError) {
        let fs = context.fileSystem
        try prepared.withLock { (done: inout Bool) throws(FileSystemError) in
            guard !done else { return }
            if try !fs.makeDirectory(folder) {
                var folders = [folder]
                while let current = folders.popLast() {
                    for entry in (try? fs.list(current)) ?? [] {
                        let path = Path.join(current, entry.name)
                        if Path.isTemporary(entry.name) {
                            try? fs.remove(path)
                        } else if (entry.type ?? (try? fs.info(path))?.type) == .directory {
                            folders.append(path)
                        }
                    }
                }
            }
            done = true
        }
    }

    /// Every artifact written, in order.
    var written: [ArtifactEntry] { entries.withLock { $0 } }

    func write(name: String, bytes: [UInt8], mediaType: String?, step: String) throws(StepFailure) -> ArtifactEntry {
        if let problem = ArtifactName.problem(name) { throw StepFailure(.artifactError, problem) }
        if let other = entries.withLock({ $0.first { JSONKey.sameBytes($0.name, name) && $0.step != step } }) {
            throw StepFailure(.artifactError, "artifact '\(name)' was already written by step '\(other.step)'; choose another name")
        }
        let fs = context.fileSystem
        let folder = context.layout.artifactFolder(runId)
        var current = folder
        let parts = name.utf8.split(separator: UInt8(ascii: "/")).map { String(decoding: $0, as: UTF8.self) }
        do {
            try prepareFolder(folder)
            for part in parts.dropLast() {
                current = Path.join(current, part)
                if let info = try fs.info(current), info.type != .directory {
                    throw StepFailure(
                        .artifactError, "cannot write '\(name)': '\(context.layout.relative(current))' is a \(info.type.rawValue), not a folder")
                }
                try fs.makeDirectory(current)
            }
            let target = Path.join(folder, name)
            if let info = try fs.info(target), info.type != .regular {
                throw StepFailure(.artifactError, "cannot write '\(name)': a \(info.type.rawValue) is in the way")
            }
            try fs.writeAtomically(target, bytes, sync: false)
        } catch let error as StepFailure {
            throw error
        } catch {
            throw StepFailure(.artifactError, "cannot write '\(name)': \(error)")
        }
        let entry = ArtifactEntry(
            name: name, path: context.layout.relative(Path.join(folder, name)), size: bytes.count, sha256: SHA256.hex(bytes),
            mediaType: mediaType ?? ArtifactName.mediaType(for: name), step: step)
        entries.withLock { list in
            list.removeAll { JSONKey.sameBytes($0.name, name) }
            list.append(entry)
        }
        try? context.record(.artifactWritten(entry), runId: runId)
        return entry
    }
}
