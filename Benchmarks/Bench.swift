import DroprunKit
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// droprun's benchmark: throughput against the file-system floor, latency, scale, memory and idle cost.
///
/// Run from the repository: `swift build -c release && .build/release/droprun-bench`
/// (`--help` for the sizes). It drives the built `droprun` binary as a child
/// process, in fresh folders under `--dir` (default: a new temporary folder),
/// and prints one table (`--json FILE` also writes it as JSON).
@main
struct Bench {
    static func main() async {
        do {
            let options = try Options(CommandLine.arguments.dropFirst())
            if options.help {
                print(Options.usage)
                return
            }
            var runner = try BenchRunner(options: options)
            try await runner.run()
        } catch {
            FileHandle.standardError.write(Data("droprun-bench: \(error)\n".utf8))
            exit(2)
        }
    }
}

struct Options {
    var requests = 5_000
    var latencyDrops = 300
    var existingResults = 100_000
    var burst = 100_000
    var drain = 10_000
    var drainTimeout = 600
    var idleSeconds = 10
    var concurrency = 4
    var strictConcurrency = 64
    var rounds = 3
    /// True when `--rounds` was given (the history section's default is 5 rather than 3).
    var roundsGiven = false
    var historyRuns = 1_000_000
    var historyExpired: Int?
    var historyDrops = 4_000
    var historyTimeout = 60
    var historyDirectory: String?
    var keepHistory = false
    var binary: String?
    var directory: String?
    var json: String?
    var only: Set<String> = []
    var help = false

    static let usage = """
        Usage: droprun-bench [--requests N] [--latency-drops N] [--existing-results N] [--burst N] [--drain N] [--idle-seconds S]
                             [--concurrency N] [--strict-concurrency N] [--rounds N]
                             [--history-runs N] [--history-expired N] [--history-drops N] [--history-timeout S]
                             [--history-dir DIR] [--keep-history]
                             [--binary PATH] [--dir DIR] [--json FILE] [--only NAME,...]
          --requests N          inbox size for the throughput rows (default 5000)
          --concurrency N       runs at once in the fast throughput row, and in watch (default 4, droprun's default)
          --strict-concurrency N  runs at once in the strict throughput row (default 64: group commit shares
                                one flush among the runs in flight, so it needs runs in flight)
          --rounds N            throughput rounds, droprun and floor alternating; the median ratio is shown (default 3)
          --latency-drops N     drops, one at a time, for watch latency (default 300)
          --existing-results N  results already in outbox/results/ for the scale row (default 100000)
          --burst N             requests drained for the peak-memory row (default 100000)
          --drain N             drops for the watch drain rows: written into a running watch, and a backlog
                                a watch starts on, each beside run --once draining the same (default 10000)
          --drain-timeout S     give up on a watch drain row after S seconds (default 600)
          --idle-seconds S      how long an idle watch is observed (default 10)
          --only NAMES          run only some of: throughput, observation, latency, scale, memory, drain, idle, history
                                (history is not in the default set: at 1,000,000 runs it writes about 14 GB in 5 to
                                10 minutes, then gc, then about 30 minutes to remove them; run it with --only history)
          --history-runs N      finished runs the history section generates (default 1000000)
          --history-expired N   of which the oldest N are past 30 days, for gc (default a tenth of the runs)
          --history-drops N     drops run --once drains alone and beside gc (default 4000)
          --history-timeout S   give up on one history command after S seconds (default 60)
          --history-dir DIR     where to generate the history root (default: --dir); on a disk, not a RAM disk
          --keep-history        leave the history root in place (it is removed at the end otherwise)
          --binary PATH         the droprun binary (default: next to this program)
          --dir DIR             where to make the benchmark roots (default: a new temporary folder)
        """

    init(_ arguments: ArraySlice<String>) throws {
        var it = arguments.makeIterator()
        func value(_ name: String) throws -> String {
            guard let v = it.next() else { throw BenchError("missing value for \(name)") }
            return v
        }
        func int(_ name: String) throws -> Int {
            guard let n = Int(try value(name)), n >= 0 else { throw BenchError("\(name) needs a whole number") }
            return n
        }
        while let arg = it.next() {
            switch arg {
            case "--requests": requests = try int(arg)
            case "--latency-drops": latencyDrops = try int(arg)
            case "--existing-results": existingResults = try int(arg)
            case "--burst": burst = try int(arg)
            case "--drain": drain = max(1, try int(arg))
            case "--drain-timeout": drainTimeout = max(1, try int(arg))
            case "--idle-seconds": idleSeconds = try int(arg)
            case "--concurrency": concurrency = try int(arg)
            case "--strict-concurrency": strictConcurrency = try int(arg)
            case "--rounds":
                rounds = max(1, try int(arg))
                roundsGiven = true
            case "--history-runs": historyRuns = max(100, try int(arg))
            case "--history-expired": historyExpired = try int(arg)
            case "--history-drops": historyDrops = max(1, try int(arg))
            case "--history-timeout": historyTimeout = max(1, try int(arg))
            case "--history-dir": historyDirectory = try value(arg)
            case "--keep-history": keepHistory = true
            case "--binary": binary = try value(arg)
            case "--dir": directory = try value(arg)
            case "--json": json = try value(arg)
            case "--only": only = Set(try value(arg).split(separator: ",").map(String.init))
            case "-h", "--help": help = true
            default: throw BenchError("unknown option '\(arg)'\n\(Options.usage)")
            }
        }
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
