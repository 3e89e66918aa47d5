import Foundation

/// Runs regression fixtures: each in a fresh temporary root, compared with its `expected/` folder.
///
/// A fixture is a folder `fixtures/<name>/` with `request.json` (a request,
/// dropped first), `drops/` (more files, dropped one at a time in name order:
/// requests, approvals, cancels, bad files; a symbolic link stays a link),
/// an optional `droprun.json` (default: `fast` durability), and `expected/`.
/// After each drop the fixture runs `run --once`. What it compares, after
/// `FixtureNormalizer` replaced times, durations, runner names and the
/// temporary root's path:
///
/// - one run: `expected/result.json` and `expected/artifacts/<name>`;
///   several: `expected/results/<runId>.json` and `expected/artifacts/<runId>/<name>`;
/// - `expected/rejected/<name>.error.json` for each rejected drop;
/// - `expected/audit.txt`: the audit event names, one `<runId or -> <event>` per line, in order.
public struct FixtureRunner: Sendable {
    /// The file system (the real one; fixtures run real roots).
    public var fileSystem: any FileSystem = PosixFileSystem()
    /// Providers available to fixtures.
    public var registry: ProviderRegistry = .builtIn
    /// Environment variables the fixtures' runners see (for `exec`).
    public var environment: [String: String] = [:]

    public init(registry: ProviderRegistry = .builtIn, environment: [String: String] = [:]) {
        self.registry = registry
        self.environment = environment
    }

    /// Fixture names under `folder`, sorted.
    public func names(in folder: String) -> [String] {
        ((try? fileSystem.list(folder)) ?? []).map(\.name).filter { name in
            !name.hasPrefix(".")
                && (fileSystem.exists(Path.join(folder, name, "request.json")) || fileSystem.exists(Path.join(folder, name, "drops")))
        }.sorted()
    }

    /// Runs one fixture and returns what it produced, as relative path -> normalized text.
    public func run(_ fixture: String) async throws -> [String: String] {
        try await runReporting(fixture).files
    }

    /// What one fixture produced, and whether its main request was rejected.
    public struct Report: Sendable {
        /// Relative path -> normalized text, as `run(_:)` returns it.
        public var files: [String: String]
        /// Why `request.json` was rejected (`reason: errors`), when it was.
        public var mainRequestRejection: String?
    }

    /// Runs one fixture; also says whether `request.json` was rejected.
    ///
    /// A fixture's root uses only the fixture's own `droprun.json` (default:
    /// `fast` durability), never the configuration of the root it lives in, so
    /// a request that needs an `exec` alias of the root is rejected there.
    public func runReporting(_ fixture: String) async throws -> Report {
        var mainRequestRejection: String?
        let base = FileManager.default.temporaryDirectory.path
        let root = Path.join(base, "droprun-fixture-\(UInt64.random(in: 0...UInt64.max))")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let layout = RootLayout(root: root)
        try layout.createFolders(fileSystem)

        var configuration = Configuration()
        configuration.durability = .fast
        if fileSystem.exists(Path.join(fixture, Configuration.fileName)) {
            configuration = try Configuration.load(root: fixture, fileSystem: fileSystem)
        }
        var drops: [(name: String, path: String)] = []
        if fileSystem.exists(Path.join(fixture, "request.json")) { drops.append(("request.json", Path.join(fixture, "request.json"))) }
        let dropFolder = Path.join(fixture, "drops")
        for entry in ((try? fileSystem.list(dropFolder)) ?? []).sorted(by: { $0.name < $1.name }) where !entry.name.hasPrefix(".") {
            drops.append((entry.name, Path.join(dropFolder, entry.name)))
        }
        let identity = RunnerIdentity(host: "fixture", pid: 1)
        let audit = AuditLog(
            folder: layout.audit, runner: identity, startedAt: Date(), fileSystem: fileSystem, segmentBytes: configuration.auditSegmentBytes,
            durable: false)
        defer { audit.close() }
        var engine = EngineContext(
            layout: layout, fileSystem: fileSystem, clock: SystemClock(), configuration: configuration, registry: registry,
            identity: identity, audit: audit, isProcessAlive: { _ in true })
        engine.environment = environment
        for drop in drops {
            let target = Path.join(layout.inbox, drop.name)
            if let info = try fileSystem.info(drop.path), info.type == .symlink {
                let destination = try FileManager.default.destinationOfSymbolicLink(atPath: drop.path)
                try FileManager.default.createSymbolicLink(atPath: target, withDestinationPath: destination)
            } else {
                try fileSystem.writeNew(target, try fileSystem.readFile(drop.path, maxBytes: 64 << 20), sync: false)
            }
            let summary = try await Runner(context: engine).runOnce()
            if drop.name == "request.json", drop.path == Path.join(fixture, "request.json") {
                for outcome in summary.outcomes where outcome.file == "request.json" {
                    if case .rejected(let reason) = outcome.kind { mainRequestRejection = reason.rawValue + (outcome.detail.map { ": \($0)" } ?? "") }
                }
            }
        }
        return Report(files: try collect(layout), mainRequestRejection: mainRequestRejection)
    }

    /// What a finished fixture root holds, normalized.
    func collect(_ layout: RootLayout) throws -> [String: String] {
        var files: [String: String] = [:]
        let results = ((try? fileSystem.list(layout.results)) ?? []).map(\.name).filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }.sorted()
        let single = results.count == 1
        for name in results {
            let runId = String(name.dropLast(5))
            files[single ? "result.json" : "results/\(name)"] = normalized(
                try fileSystem.readFile(Path.join(layout.results, name)), root: layout.root)
            for artifact in artifactFiles(Path.join(layout.artifacts, runId)) where artifact != "manifest.json" {
                let text = String(decoding: try fileSystem.readFile(Path.join(layout.artifacts, runId, artifact)), as: UTF8.self)
                files[single ? "artifacts/\(artifact)" : "artifacts/\(runId)/\(artifact)"] = text
            }
        }
        for name in ((try? fileSystem.list(layout.rejected)) ?? []).map(\.name) where name.hasSuffix(".error.json") {
            files["rejected/\(name)"] = normalized(try fileSystem.readFile(Path.join(layout.rejected, name)), root: layout.root)
        }
        for name in ((try? fileSystem.list(layout.running)) ?? []).map(\.name) where name.hasSuffix(".json") && !name.hasPrefix(".") {
            files["running/\(name)"] = normalized(try fileSystem.readFile(Path.join(layout.running, name)), root: layout.root)
        }
        var audit = ""
        for name in try AuditVerifier.auditFiles(layout: layout, fileSystem: fileSystem) {
            let bytes = try fileSystem.readFile(Path.join(layout.audit, name), maxBytes: 1 << 30)
            for line in bytes.split(separator: 0x0A) {
                // A segment's first line says where the chain goes on, nothing about a run: a fixture run over midnight has one.
                guard let event = try? RecordReader.parse(Array(line)), event["event"] != .string(AuditEventName.auditSegment.rawValue) else {
                    continue
                }
                audit += "\(event["runId"]?.stringValue ?? "-") \(event["event"]?.stringValue ?? "?")\n"
            }
        }
        files["audit.txt"] = audit
        return files
    }

    private func normalized(_ bytes: [UInt8], root: String) -> String {
        guard let json = try? RecordReader.parse(bytes) else { return String(decoding: bytes, as: UTF8.self) }
        return JSONWriter.pretty(FixtureNormalizer.normalize(json, root: root))
    }

    private func artifactFiles(_ folder: String, prefix: String = "") -> [String] {
        var found: [String] = []
        for entry in ((try? fileSystem.list(folder)) ?? []).sorted(by: { $0.name < $1.name }) where !entry.name.hasPrefix(".") {
            let relative = prefix.isEmpty ? entry.name : prefix + "/" + entry.name
            if (try? fileSystem.info(Path.join(folder, entry.name)))??.type == .directory {
                found += artifactFiles(Path.join(folder, entry.name), prefix: relative)
            } else {
                found.append(relative)
            }
        }
        return found
    }

    /// What `expected/` holds, as relative path -> text.
    public func expected(_ fixture: String) -> [String: String] {
        let folder = Path.join(fixture, "expected")
        var files: [String: String] = [:]
        for relative in artifactFiles(folder) {
            if let bytes = try? fileSystem.readFile(Path.join(folder, relative), maxBytes: 64 << 20) {
                files[relative] = String(decoding: bytes, as: UTF8.self)
            }
        }
        return files
    }

    /// Writes `expected/` anew; returns what changed (`added x`, `changed y`, `removed z`).
    public func record(_ fixture: String, _ actual: [String: String]) throws -> [String] {
        let old = expected(fixture)
        let folder = Path.join(fixture, "expected")
        var changes: [String] = []
        for (relative, _) in old where actual[relative] == nil {
            try fileSystem.remove(Path.join(folder, relative))
            changes.append("removed expected/\(relative)")
        }
        for (relative, text) in actual.sorted(by: { $0.key < $1.key }) where old[relative] != text {
            let path = Path.join(folder, relative)
            try fileSystem.makeDirectory(Path.parent(path))
            try fileSystem.writeAtomically(path, Array(text.utf8), sync: false)
            changes.append((old[relative] == nil ? "added" : "changed") + " expected/\(relative)")
        }
        return changes
    }

    /// The differences between `expected/` and what ran, as unified diffs naming each file; empty when they match.
    public static func compare(expected: [String: String], actual: [String: String], fixture: String) -> [String] {
        var diffs: [String] = []
        for relative in Set(expected.keys).union(actual.keys).sorted() {
            let want = expected[relative]
            let got = actual[relative]
            if want == got { continue }
            if want == nil {
                diffs.append(
                    "\(fixture): expected/\(relative) is missing; the run produced it:\n"
                        + UnifiedDiff.render("", got ?? "", oldName: "expected/\(relative)", newName: "actual/\(relative)"))
            } else if got == nil {
                diffs.append("\(fixture): expected/\(relative) was not produced by the run")
            } else {
                diffs.append(
                    "\(fixture): expected/\(relative) differs:\n"
                        + UnifiedDiff.render(want ?? "", got ?? "", oldName: "expected/\(relative)", newName: "actual/\(relative)"))
            }
        }
        return diffs
    }
}
