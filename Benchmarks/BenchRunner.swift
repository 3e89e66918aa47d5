import DroprunKit
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// One line of the benchmark's table.
struct Row {
    var name: String
    var value: String
    var target: String
    var met: Bool?
    var numbers: [String: Double]
}

/// Runs each measurement and prints the table.
struct BenchRunner {
    let options: Options
    let binary: String
    let base: String
    var rows: [Row] = []
    /// Roots removed once the table is printed (the history root).
    var removeAtEnd: [String] = []

    init(options: Options) throws {
        self.options = options
        let own = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        binary = options.binary ?? own.appendingPathComponent("droprun").path
        guard access(binary, X_OK) == 0 else { throw BenchError("no droprun binary at \(binary); build it with swift build -c release") }
        base = options.directory ?? Path.join(FileManager.default.temporaryDirectory.path, "droprun-bench-\(getpid())")
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
    }

    /// Sections run without `--only`; `history` runs only when named (it takes far longer than the rest).
    static let defaultSections: Set<String> = ["throughput", "observation", "latency", "scale", "memory", "drain", "idle"]

    func wants(_ name: String) -> Bool { options.only.isEmpty ? Self.defaultSections.contains(name) : options.only.contains(name) }

    mutating func run() async throws {
        print("droprun benchmark: \(binary)")
        print("roots under \(base); \(ProcessInfo.processInfo.activeProcessorCount) cores\n")
        if wants("throughput") { try throughput() }
        if wants("observation") { try observationCost() }
        if wants("latency") { try await latency() }
        if wants("scale") { try scale() }
        if wants("memory") { try memory() }
        if wants("drain") { try await drain() }
        if wants("idle") { try idle() }
        if wants("history") { try history() }
        printTable()
        if let json = options.json { try writeJSON(json) }
        for path in removeAtEnd {
            let start = ContinuousClock.now
            print("\nremoving \(path) ...")
            _ = try Child.start(["/bin/rm", "-rf", path], stdout: "/dev/null").wait()
            print(String(format: "removed in %.1f s", Double((ContinuousClock.now - start).components.seconds)))
        }
        // Not removed here: deleting tens of thousands of files slows file creation on this disk for minutes,
        // which would skew the next measurement. Remove it when done.
        print("\nbenchmark roots left in \(base) (rm -rf it when done)")
    }

    // MARK: - Measurements

    /// `run --once` against the floor, in rounds that alternate the two on the same disk; the median round by ratio is shown.
    ///
    /// This disk's speed swings by a factor of several within minutes, so a
    /// single pair can mislead; rounds make the ratio steadier.
    mutating func throughput() throws {
        for durability in ["fast", "strict"] {
            let concurrency = durability == "fast" ? options.concurrency : options.strictConcurrency
            var pairs: [(droprun: Double, floor: Double)] = []
            for round in 1...options.rounds {
                let root = try freshRoot("throughput-\(durability)-\(round)", requests: options.requests)
                let (seconds, _) = try timed([binary, "--root", root, "run", "--once", "--durability", durability, "--concurrency", "\(concurrency)"])
                let floor = try Floor(
                    directory: Path.join(base, "floor-\(durability)-\(round)"), count: options.requests, sync: durability == "strict"
                ).run()
                pairs.append((Double(options.requests) / seconds, floor))
            }
            pairs.sort { $0.droprun / $0.floor < $1.droprun / $1.floor }
            let median = pairs[pairs.count / 2]
            let ratio = median.droprun / median.floor
            let target = durability == "fast" ? 0.6 : 3.0
            let all = pairs.map { String(format: "%.2f", $0.droprun / $0.floor) }.joined(separator: ", ")
            rows.append(
                Row(
                    name: "run --once, \(durability), concurrency \(concurrency)",
                    value: String(format: "%.0f runs/s (floor %.0f; ratio %.2f", median.droprun, median.floor, ratio) + "; rounds " + all + ")",
                    target: "ratio >= \(target)", met: ratio >= target,
                    numbers: [
                        "runsPerSecond": median.droprun, "floorRunsPerSecond": median.floor, "ratio": ratio, "concurrency": Double(concurrency),
                    ]))
        }
        try fanOut()
        try waitingFanOut()
    }

    /// A workflow of 8 instant steps that need only the first (a fan-out), `fast`: the step graph's cost beside the
    /// three-step line above (the 8 run at once; with only instant steps that is CPU, not waiting, that is shared).
    mutating func fanOut() throws {
        let root = try freshRoot("fan-out", requests: options.requests, request: Self.fanOutRequest)
        let (seconds, _) = try timed([binary, "--root", root, "run", "--once", "--durability", "fast", "--concurrency", "\(options.concurrency)"])
        let runs = Double(options.requests) / seconds
        rows.append(
            Row(
                name: "run --once, fast, 8 fan-out steps",
                value: String(format: "%.0f runs/s (%.0f steps/s; concurrency %d)", runs, runs * 9, options.concurrency),
                target: "-", met: nil, numbers: ["runsPerSecond": runs, "stepsPerSecond": runs * 9]))
    }

    /// 8 steps that each wait 20 ms and need only the first, `maxParallelSteps` 8: what running a run's waiting steps
    /// at once gains (one after the other they would take 160 ms a run). 200 runs, `concurrency` at once.
    mutating func waitingFanOut() throws {
        let count = 200
        let root = try freshRoot("waiting-fan-out", requests: count, request: Self.waitingFanOutRequest)
        let (seconds, _) = try timed([binary, "--root", root, "run", "--once", "--durability", "fast", "--concurrency", "\(options.concurrency)"])
        let runs = Double(count) / seconds
        let perRunMs = seconds * 1000 * Double(options.concurrency) / Double(count)
        rows.append(
            Row(
                name: "run --once, fast, 8 waiting steps at once",
                value: String(
                    format: "%.0f runs/s (%.0f ms a run; 160 ms one step after another; concurrency %d)", runs, perRunMs, options.concurrency),
                target: "-", met: nil, numbers: ["runsPerSecond": runs, "msPerRun": perRunMs]))
    }

    /// One request of the waiting fan-out row: a template, then 8 `delay` steps of 20 ms that each need only it.
    static func waitingFanOutRequest(n: Int) -> [UInt8] {
        let branches = (1...8).map { #"{"id":"d\#($0)","provider":"delay","needs":["t"],"with":{"ms":20}}"# }
        return Array(
            (#"{"workflow":{"name":"waiting-fan-out","version":"1","maxParallelSteps":8,"steps":[{"id":"t","provider":"template","with":{"template":"n \#(n)"}},"#
                + branches.joined(separator: ",") + "]},\"input\":{}}\n").utf8)
    }

    /// One request of the fan-out row: a template, then 8 echo steps that each need only it.
    static func fanOutRequest(n: Int) -> [UInt8] {
        let branches = (1...8).map { #"{"id":"b\#($0)","provider":"echo","needs":["t"],"with":{"v":"{{steps.t.output.text}}"}}"# }
        return Array(
            (#"{"workflow":{"name":"fan-out","version":"1","steps":[{"id":"t","provider":"template","with":{"template":"n \#(n)"}},"#
                + branches.joined(separator: ",") + "]},\"input\":{}}\n").utf8)
    }

    mutating func latency() async throws {
        for durability in ["fast", "strict"] {
            let root = try freshRoot("latency-\(durability)", requests: 0)
            let watch = try Child.start([binary, "--root", root, "watch", "--durability", durability])
            defer { watch.stop() }
            try await Task.sleep(for: .milliseconds(500))
            var samples: [Double] = []
            for i in 0..<options.latencyDrops {
                let result = Path.join(root, "outbox/results/l\(i).json")
                let temp = Path.join(root, "inbox/.l\(i).json.tmp")
                try Self.write(temp, Self.request(id: "l\(i)"))
                let start = ContinuousClock.now
                guard rename(temp, Path.join(root, "inbox/l\(i).json")) == 0 else { throw BenchError("rename failed") }
                var st = stat()
                while stat(result, &st) != 0 {
                    if ContinuousClock.now - start > .seconds(10) { throw BenchError("no result for drop \(i) after 10 s") }
                    usleep(50)
                }
                samples.append((ContinuousClock.now - start).milliseconds)
                usleep(2000)
            }
            samples.sort()
            let median = samples[samples.count / 2]
            let p99 = samples[min(samples.count - 1, Int(Double(samples.count) * 0.99))]
            let met = durability == "fast" ? median <= 5 && p99 <= 25 : nil
            rows.append(
                Row(
                    name: "watch drop-to-result, \(durability)",
                    value: String(format: "median %.2f ms, p99 %.2f ms (%d drops)", median, p99, samples.count),
                    target: durability == "fast" ? "median <= 5 ms, p99 <= 25 ms" : "-", met: met, numbers: ["medianMs": median, "p99Ms": p99]))
        }
    }

    /// The rate with `existingResults` results in place against an empty outbox, in alternating rounds (median ratio).
    mutating func scale() throws {
        let count = min(options.requests, 2_000)
        let empty = try freshRoot("scale-empty", requests: 0)
        let full = try freshRoot("scale-full", requests: 0)
        // Fill results and requests as a long-lived root would have them.
        for i in 0..<options.existingResults {
            let name = "old-\(i).json"
            try Self.write(Path.join(full, "outbox/results", name), Array("{\"runId\":\"old-\(i)\",\"status\":\"succeeded\"}\n".utf8))
            _ = link(Path.join(full, "outbox/results", name), Path.join(full, "outbox/requests", name))
        }
        var pairs: [(full: Double, empty: Double)] = []
        for round in 1...options.rounds {
            var rates: [Double] = []
            for root in [empty, full] {
                for i in 0..<count {
                    try Self.write(Path.join(root, "inbox/s\(round)-\(i).json"), Self.request(id: nil, n: i))
                }
                Glibc.sync()  // neither side pays for the other's setup
                let (seconds, _) = try timed([binary, "--root", root, "run", "--once", "--durability", "fast"])
                rates.append(Double(count) / seconds)
            }
            pairs.append((full: rates[1], empty: rates[0]))
        }
        pairs.sort { $0.full / $0.empty < $1.full / $1.empty }
        let median = pairs[pairs.count / 2]
        let ratio = median.full / median.empty
        let all = pairs.map { String(format: "%.0f%%", $0.full / $0.empty * 100) }.joined(separator: ", ")
        rows.append(
            Row(
                name: "with \(options.existingResults) results",
                value: String(format: "%.0f runs/s vs %.0f on an empty outbox (%.0f%%", median.full, median.empty, ratio * 100) + "; rounds " + all
                    + ")",
                target: "within 10%", met: ratio >= 0.9, numbers: ["runsPerSecond": median.full, "emptyRunsPerSecond": median.empty, "ratio": ratio]))
    }

    mutating func memory() throws {
        let root = try freshRoot("burst", requests: options.burst)
        let (seconds, usage) = try timed([binary, "--root", root, "run", "--once", "--durability", "fast"])
        let peakMB = Double(usage.ru_maxrss) / 1024
        rows.append(
            Row(
                name: "burst of \(options.burst), fast",
                value: String(format: "peak %.1f MB; drained in %.1f s (%.0f runs/s)", peakMB, seconds, Double(options.burst) / seconds),
                target: "peak < 64 MB", met: peakMB < 64, numbers: ["peakMB": peakMB, "seconds": seconds]))
    }

    mutating func idle() throws {
        let root = try freshRoot("idle", requests: 0)
        let watch = try Child.start([binary, "--root", root, "watch"])
        defer { watch.stop() }
        usleep(1_000_000)
        let before = Self.cpuTicks(watch.pid)
        usleep(UInt32(options.idleSeconds) * 1_000_000)
        let after = Self.cpuTicks(watch.pid)
        let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))
        let percent = Double(after - before) / ticksPerSecond / Double(options.idleSeconds) * 100
        rows.append(
            Row(
                name: "idle watch", value: String(format: "%.2f%% of one core over %d s", percent, options.idleSeconds),
                target: "< 1%", met: percent < 1, numbers: ["cpuPercent": percent]))
    }

    // MARK: - Helpers

    /// A new root with `requests` three-step requests (template, transform, artifact) in its inbox.
    func freshRoot(_ name: String, requests: Int, request: (Int) -> [UInt8] = { Self.request(id: nil, n: $0) }) throws -> String {
        let root = Path.join(base, name)
        let fs = PosixFileSystem()
        try RootLayout(root: root).createFolders(fs)
        for i in 0..<requests {
            try Self.write(Path.join(root, "inbox/r\(i).json"), request(i))
        }
        // The inbox's own writes are flushed now, so neither droprun's first flush (syncfs covers the whole
        // file system) nor the floor's timing pays for setting up.
        Glibc.sync()
        return root
    }

    static func request(id: String?, n: Int = 0) -> [UInt8] {
        let idPart = id.map { "\"id\":\"\($0)\"," } ?? ""
        return Array(
            """
            {\(idPart)"workflow":{"name":"bench","version":"1","steps":[
            {"id":"t","provider":"template","with":{"template":"Hello {{input.name}} number \(n)"}},
            {"id":"u","provider":"transform","with":{"value":"{{steps.t.output.text}}","op":"uppercase"}},
            {"id":"a","provider":"artifact","with":{"name":"out.txt","content":"{{steps.u.output.value}}"}}]},
            "input":{"name":"bench"}}

            """.utf8)
    }

    static func write(_ path: String, _ bytes: [UInt8]) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw BenchError("cannot write \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        _ = bytes.withUnsafeBytes { systemWrite(fd, $0.baseAddress, $0.count) }
    }

    /// Runs a command to its end; returns wall seconds and its resource usage.
    func timed(_ argv: [String]) throws -> (Double, rusage) {
        let child = try Child.start(argv)
        let start = ContinuousClock.now
        let (status, usage) = child.wait()
        let seconds = (ContinuousClock.now - start).milliseconds / 1000
        guard status & 0x7F == 0 else { throw BenchError("\(argv.joined(separator: " ")) was killed by signal \(status & 0x7F)") }
        return (seconds, usage)
    }

    static func cpuTicks(_ pid: pid_t) -> Int {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = text.lastIndex(of: ")") else { return 0 }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // After the command: state is field 3; utime and stime are fields 14 and 15 (1-based over the whole line).
        guard fields.count > 13, let user = Int(fields[11]), let system = Int(fields[12]) else { return 0 }
        return user + system
    }

    func printTable() {
        print("")
        let nameWidth = max(30, rows.map(\.name.count).max() ?? 0)
        let valueWidth = max(20, rows.map(\.value.count).max() ?? 0)
        print(
            "measure".padding(toLength: nameWidth, withPad: " ", startingAt: 0) + "  "
                + "result".padding(toLength: valueWidth, withPad: " ", startingAt: 0) + "  target")
        for row in rows {
            let mark = row.met.map { $0 ? "PASS" : "MISS" } ?? ""
            print(
                row.name.padding(toLength: nameWidth, withPad: " ", startingAt: 0) + "  "
                    + row.value.padding(toLength: valueWidth, withPad: " ", startingAt: 0) + "  " + row.target + (mark.isEmpty ? "" : " (\(mark))"))
        }
    }

    func writeJSON(_ path: String) throws {
        let json: JSONValue = .array(
            rows.map { row in
                [
                    "name": .string(row.name), "result": .string(row.value), "target": .string(row.target),
                    "met": row.met.map(JSONValue.bool) ?? .null,
                    "numbers": .object(row.numbers.mapValues(JSONValue.double)),
                ]
            })
        try Data(JSONWriter.prettyBytes(json)).write(to: URL(fileURLWithPath: path))
    }
}

extension Duration {
    fileprivate var milliseconds: Double {
        let (s, a) = components
        return Double(s) * 1000 + Double(a) / 1e15
    }
}

/// A child process started with `posix_spawn`, output discarded (or to files), reaped with `wait4` for its resource usage.
struct Child {
    let pid: pid_t

    /// Starts `argv` with its standard output to `stdout` and its standard error to `stderr` (nil: the benchmark's own).
    static func start(_ argv: [String], stdout: String = "/dev/null", stderr: String? = nil) throws -> Child {
        #if canImport(Darwin)
        var actions: posix_spawn_file_actions_t? = nil
        #else
        var actions = posix_spawn_file_actions_t()
        #endif
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        if let stderr { posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o644) }
        var pointers: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) }
        pointers.append(nil)
        defer { for p in pointers { free(p) } }
        var pid: pid_t = 0
        var environment: [UnsafeMutablePointer<CChar>?] = ProcessInfo.processInfo.environment.map { strdup("\($0.key)=\($0.value)") }
        environment.append(nil)
        defer { for p in environment { free(p) } }
        let code = posix_spawn(&pid, argv[0], &actions, nil, pointers, environment)
        guard code == 0 else { throw BenchError("cannot start \(argv[0]): \(String(cString: strerror(code)))") }
        return Child(pid: pid)
    }

    func wait() -> (Int32, rusage) {
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
        return (status, usage)
    }

    @discardableResult
    func stop() -> rusage {
        kill(pid, SIGTERM)
        return wait().1
    }
}

/// `write(2)`, named apart from `BenchRunner.write`.
func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int {
    write(fd, buffer, count)
}
