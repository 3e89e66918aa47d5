import DroprunKit
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Writes a root of finished runs, as runners would have left them, fast: results, kept requests, artifacts, cancels, index and audit.
///
/// Each writer (runner) is one thread; they share the run folders and own
/// their audit chains and index files, as real runners do. Files are written
/// with `FileMaker` and `BufferedFile`, never flushed (the section calls
/// `sync` once and times it apart).
struct HistoryGenerator: Sendable {
    /// What was written.
    struct Counts: Sendable {
        var runs = 0
        var files = 0
        var bytes = 0
        var segments = 0
        var auditLines = 0
        var indexFiles = 0
        var artifacts = 0
        var byStatus: [String: Int] = [:]

        mutating func add(_ other: Counts) {
            runs += other.runs
            files += other.files
            bytes += other.bytes
            segments += other.segments
            auditLines += other.auditLines
            indexFiles += other.indexFiles
            artifacts += other.artifacts
            byStatus.merge(other.byStatus, uniquingKeysWith: +)
        }
    }

    let root: String
    let plan: HistoryPlan
    let segmentBytes: Int
    /// `[kind][timing variant]`.
    let templates: [[KindTemplates]]

    init(root: String, plan: HistoryPlan, segmentBytes: Int = 16 << 20) throws {
        self.root = root
        self.plan = plan
        self.segmentBytes = segmentBytes
        templates = try plan.kinds.enumerated().map { k, kind in
            try HistoryCatalog.scales.map { try KindTemplates(kind: k, kind, scale: $0, idLength: HistoryPlan.idLength) }
        }
    }

    var layout: RootLayout { RootLayout(root: root) }

    /// Writes every run, then the index's `.built` marker; returns what was written.
    func run(progress: @escaping @Sendable (Int) -> Void = { _ in }) throws -> Counts {
        try layout.createFolders(PosixFileSystem())
        let outcomes = Mutex<[Int: Result<Counts, BenchError>]>([:])
        let group = DispatchGroup()
        for w in 0..<HistoryPlan.writers {
            group.enter()
            let thread = Thread {
                let outcome: Result<Counts, BenchError>
                do {
                    outcome = .success(try self.generate(writer: w, progress: w == 0 ? progress : { _ in }))
                } catch let error as BenchError {
                    outcome = .failure(error)
                } catch {
                    outcome = .failure(BenchError("history: \(error)"))
                }
                outcomes.withLock { $0[w] = outcome }
                group.leave()
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
        group.wait()
        var total = Counts()
        for w in 0..<HistoryPlan.writers {
            switch outcomes.withLock({ $0[w] }) {
            case .success(let counts): total.add(counts)
            case .failure(let error): throw error
            case nil: throw BenchError("history: writer \(w) did not report")
            }
        }
        let index = try FileMaker(layout.index)
        defer { index.close() }
        try index.put(".built", [], mtimeMs: plan.nowMs)
        total.files += 1
        return total
    }

    /// Writes the runs of one writer (every `writers`-th run), oldest first.
    func generate(writer w: Int, progress: (Int) -> Void) throws -> Counts {
        let layout = layout
        let results = try FileMaker(layout.results)
        let requests = try FileMaker(layout.requests)
        let artifacts = try FileMaker(layout.artifacts)
        let control = try FileMaker(layout.control)
        let audit = try FileMaker(layout.audit)
        let index = try FileMaker(layout.index)
        defer { for folder in [results, requests, artifacts, control, audit, index] { folder.close() } }
        let tenants = HistoryCatalog.tenants.map { Array($0.name.utf8) }
        var counts = Counts()
        var chain: AuditChainWriter?
        var incarnation: HistoryPlan.Incarnation?
        var indexFile: BufferedFile?
        var indexDay: Int64 = .min
        var values = RunValues()
        var buffer: [UInt8] = []
        buffer.reserveCapacity(8192)
        var artifact: [UInt8] = []
        var names: [String] = []
        var dayText: [UInt8] = []
        let step = max(1, plan.runs / 10)
        for i in stride(from: w, to: plan.runs, by: HistoryPlan.writers) {
            if i % step < HistoryPlan.writers && i >= step { progress(i) }
            let created = plan.createdMs(i)
            let current = plan.incarnation(writer: w, atMs: created)
            if current != incarnation {
                try chain?.close()
                counts.segments += chain?.segments ?? 0
                counts.auditLines += chain?.lines ?? 0
                chain = AuditChainWriter(folder: audit, chainId: current.chainId, actor: current.actor, segmentBytes: segmentBytes)
                incarnation = current
                values.actor = Array(current.actor.utf8)
                values.runner = Array(current.folderName.utf8)
                // A new writer's index files.
                indexDay = .min
            }
            let t = templates[plan.kind(i)][plan.variant(i)]
            let id = plan.id(i)
            let finished = created + t.finishMs
            values.createdMs = created
            values.runId = Array(id.utf8)
            values.tenant = tenants[plan.tenant(i)]

            buffer.removeAll(keepingCapacity: true)
            t.request.render(values, into: &buffer)
            values.requestSize = buffer.count
            values.requestSHA = Self.hex(SHA256.hash(buffer))
            try requests.put(id + ".json", buffer, mtimeMs: created)
            counts.files += 1
            counts.bytes += buffer.count

            if let content = t.artifact, let manifest = t.manifest {
                artifact.removeAll(keepingCapacity: true)
                content.render(values, into: &artifact)
                values.artifactSHA = Self.hex(SHA256.hash(artifact))
                try artifacts.makeFolder(id)
                try artifacts.put(id + "/" + t.artifactName, artifact, mtimeMs: created + t.artifactMs)
                buffer.removeAll(keepingCapacity: true)
                manifest.render(values, into: &buffer)
                try artifacts.put(id + "/manifest.json", buffer, mtimeMs: finished)
                artifacts.touch(id, mtimeMs: finished)
                counts.files += 2
                counts.bytes += artifact.count + buffer.count
                counts.artifacts += 1
            }
            if let message = t.control {
                // Dropped by `droprun cancel` a moment before the runner took it.
                let dropped = created + t.controlOffsetMs - 40
                let name = "\(id).cancel.\(Timestamp.compact(Date(timeIntervalSince1970: Double(dropped) / 1000))).\(30_000 + i % 20_000).json"
                buffer.removeAll(keepingCapacity: true)
                message.render(values, into: &buffer)
                values.controlFile = Array(name.utf8)
                values.controlSHA = Self.hex(SHA256.hash(buffer))
                try control.put(name, buffer, mtimeMs: dropped)
                counts.files += 1
                counts.bytes += buffer.count
            }

            names.removeAll(keepingCapacity: true)
            for event in t.events {
                // Through the optional in place: a copy of the writer would copy its buffers at the next append.
                let segment = try chain?.append(name: event.name, data: event.data, values: values, atMs: created + event.offsetMs, runId: true)
                if let segment, names.last != segment { names.append(segment) }
            }
            values.audit = Array(names.joined(separator: "\",\"").utf8)

            buffer.removeAll(keepingCapacity: true)
            t.result.render(values, into: &buffer)
            try results.put(id + ".json", buffer, mtimeMs: finished)
            counts.files += 1
            counts.bytes += buffer.count

            let day = TimeText.day(finished)
            if day != indexDay, let current = incarnation {
                try indexFile?.close()
                dayText.removeAll(keepingCapacity: true)
                TimeText.append(finished, to: &dayText)
                let name = IndexFiles.name(day: String(decoding: dayText.prefix(10), as: UTF8.self), writer: current.folderName)
                indexFile = try BufferedFile(folder: index, name: name)
                indexDay = day
                counts.indexFiles += 1
                counts.files += 1
            }
            buffer.removeAll(keepingCapacity: true)
            t.index.render(values, into: &buffer)
            try indexFile?.append(buffer)
            indexFile?.lastMs = finished
            counts.runs += 1
            counts.byStatus[t.status.rawValue, default: 0] += 1
        }
        try chain?.close()
        counts.segments += chain?.segments ?? 0
        counts.auditLines += chain?.lines ?? 0
        counts.files += counts.segments
        try indexFile?.close()
        return counts
    }

    static func hex(_ digest: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        AuditChainWriter.appendHex(digest, to: &out)
        return out
    }
}
