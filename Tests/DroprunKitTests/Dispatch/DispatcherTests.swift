import DroprunTestSupport
import Foundation
import Synchronization
import Testing

@testable import DroprunKit

#if canImport(Glibc)
import Glibc
#endif

/// The one loop behind `run --once` and `watch`: its lifecycle, how each mode waits and stops, and the batch both share.
@Suite struct DispatcherTests {
    static let valid = RequestText.make(steps: [#"{"id": "s", "provider": "echo", "with": {"x": 1}}"#])

    // MARK: - Lifecycle

    /// Every phase against every move: the legal ones lead on, every other is refused.
    @Test(arguments: Dispatcher.Phase.allCases, Dispatcher.Move.allCases)
    func lifecycle(phase: Dispatcher.Phase, move: Dispatcher.Move) {
        let legal: [Dispatcher.Phase: [Dispatcher.Move: Dispatcher.Phase]] = [
            .initial: [.start: .running],
            .running: [.drain: .draining, .finish: .finished],
            .draining: [.finish: .finished],
            .finished: [:],
        ]
        if let next = legal[phase]?[move] {
            #expect((try? Dispatcher.Phase.after(phase, move)) == next)
        } else {
            #expect(throws: DispatcherError(phase: phase, move: move)) { try Dispatcher.Phase.after(phase, move) }
        }
    }

    /// An illegal move leaves the phase as it was.
    @Test func anIllegalMoveChangesNothing() async throws {
        let root = try TemporaryRoot()
        let context = root.engine()
        defer { context.audit.close() }
        let dispatcher = Dispatcher(runner: Runner(context: context), mode: .once)
        await #expect(throws: DispatcherError(phase: .initial, move: .drain)) { try await dispatcher.apply(.drain) }
        #expect(await dispatcher.currentPhase == .initial)
        try await dispatcher.apply(.start)
        await #expect(throws: DispatcherError(phase: .running, move: .start)) { try await dispatcher.apply(.start) }
        #expect(await dispatcher.currentPhase == .running)
    }

    /// A dispatcher runs once: it ends finished, and a second run is refused (in both modes).
    @Test(arguments: [Dispatcher.Mode.once, .watch(grace: .zero)])
    func aDispatcherRunsOnce(mode: Dispatcher.Mode) async throws {
        let root = try TemporaryRoot()
        let clock = ManualClock()
        let context = root.engine(clock: clock)
        defer { context.audit.close() }
        let dispatcher = Dispatcher(runner: Runner(context: context), mode: mode)
        if mode == .once {
            _ = try await dispatcher.run(onOutcome: { _ in })
        } else {
            let task = Task { try await dispatcher.run(onOutcome: { _ in }) }
            #expect(await clock.waitForSleepers(1))
            #expect(await dispatcher.currentPhase == .running)
            context.stop.stop()
            _ = try await task.value
        }
        #expect(await dispatcher.currentPhase == .finished)
        await #expect(throws: DispatcherError(phase: .finished, move: .start)) { try await dispatcher.run(onOutcome: { _ in }) }
    }

    // MARK: - How each mode waits and stops

    /// `once` stops when nothing is left, without a sleep.
    @Test func onceStopsWhenIdle() async throws {
        let root = try TemporaryRoot()
        try root.drop("a.json", Self.valid)
        let clock = InstantClock()
        let context = root.engine(clock: clock)
        defer { context.audit.close() }
        let summary = try await Dispatcher(runner: Runner(context: context), mode: .once).run(onOutcome: { _ in })
        #expect(summary.outcomes.map(\.kind) == [.finished(.succeeded)])
        #expect(clock.sleeps.isEmpty, "\(clock.sleeps)")
    }

    /// `once` waits for a settling file on the injected clock (never really), then runs it and stops.
    @Test(.timeLimit(.minutes(1)))
    func onceWaitsForASettlingFileOnTheClock() async throws {
        let root = try TemporaryRoot()
        try root.drop("a.json", Self.valid)
        let clock = ManualClock()
        var configuration = Configuration.fastForTests
        configuration.settleMs = 1_000
        let context = root.engine(clock: clock, configuration: configuration)
        defer { context.audit.close() }
        let dispatcher = Dispatcher(runner: Runner(context: context), mode: .once)
        let task = Task { try await dispatcher.run(onOutcome: { _ in }) }
        #expect(await clock.waitForSleep(ms: 1_000))
        #expect(root.list("outbox/results").isEmpty, "not taken before it settled")
        #expect(await dispatcher.currentPhase == .running)
        clock.advance(by: .seconds(1))
        let summary = try await task.value
        #expect(summary.outcomes.map(\.kind) == [.finished(.succeeded)])
        #expect(root.list("outbox/results") == ["a.json"])
    }

    /// `watch` goes on while idle and stops on a stop, leaving nothing claimed.
    @Test(.timeLimit(.minutes(1)))
    func watchStopsOnAStop() async throws {
        let root = try TemporaryRoot()
        let clock = ManualClock()
        let context = root.engine(clock: clock)
        defer { context.audit.close() }
        let recorder = Recorder(clock: clock)
        let dispatcher = Dispatcher(runner: Runner(context: context), mode: .watch(grace: .zero))
        let task = Task { try await dispatcher.run(onOutcome: { recorder.append($0) }) }
        try root.drop("a.json", Self.valid)
        for _ in 0..<200 where !recorder.kinds.contains(.finished(.succeeded)) {
            _ = await clock.waitForSleepers(1)
            clock.advance(by: .milliseconds(500))
            _ = await Self.eventually(0.5) { recorder.kinds.contains(.finished(.succeeded)) }
        }
        #expect(recorder.kinds == [.finished(.succeeded)])
        #expect(await dispatcher.currentPhase == .running, "idle, it goes on")
        context.stop.stop()
        _ = try await task.value
        #expect(await dispatcher.currentPhase == .finished)
        #expect(root.list("outbox/claimed/testhost-4242").isEmpty)
    }

    // MARK: - One batch for both modes

    /// What a case sets up, and what both modes must report for it.
    struct Case: Sendable, CustomStringConvertible {
        var description: String
        /// Faults of the disk.
        var faults: [FaultyFileSystem.Rule] = []
        /// Files dropped before the dispatcher starts (no event marks them whole).
        var drops: [(name: String, text: String)]
        /// What the first look at the files must report, in order (both modes).
        var first: [RunOutcome.Kind]
        /// A word the first outcome's detail holds.
        var detail: String?
        /// At least this long (clock time) before the first outcome.
        var notBeforeMs = 0
        /// Where the file is after the first outcome (relative to the root), in both modes.
        var leftIn: String?
    }

    static let cases: [Case] = [
        Case(
            description: "a control message for an unknown run is rejected",
            drops: [("ghost.json", #"{"kind": "approval", "runId": "ghost", "decision": "approve", "by": "ada"}"#)],
            first: [.rejected(.unknownRun)], leftIn: "outbox/rejected/ghost.json"),
        Case(
            description: "a file the inbox refuses to give up is said and left there",
            faults: [.init("rename", pathContains: "inbox/x.json ->", code: EACCES)],
            drops: [("x.json", valid)], first: [.deferred], detail: "cannot take it from the inbox", leftIn: "inbox/x.json"),
        Case(
            description: "a file that does not parse and may be half-written is held, then rejected after the grace",
            drops: [("late.json", #"{"workflow": "#)], first: [.rejected(.invalidJSON)], notBeforeMs: HeldClaims.graceMs,
            leftIn: "outbox/rejected/late.json"),
        Case(
            description: "a claim whose admission fails stays claimed and is said to be tried again",
            faults: [
                .init("link", pathContains: "outbox/requests/", code: EIO, times: 1),
                .init("writeAtomically", pathContains: "outbox/claimed/", code: EIO, times: 1),
            ],
            drops: [("d.json", valid)], first: [.deferred], detail: "tried again in 1 s", leftIn: "outbox/claimed/testhost-4242/d.json"),
    ]

    /// Each case gives the same first outcomes in `once` and in `watch`: both take the inbox through `nextBatch`.
    @Test(.timeLimit(.minutes(1)), arguments: cases, [Dispatcher.Mode.once, .watch(grace: .zero)])
    func bothModesShareTheBatch(_ setup: Case, mode: Dispatcher.Mode) async throws {
        let root = try TemporaryRoot()
        for (name, text) in setup.drops { try root.drop(name, text) }
        let fs = FaultyFileSystem(setup.faults)
        let clock = ManualClock()
        let start = clock.now()
        let context = root.engine(clock: clock, fileSystem: fs)
        defer { context.audit.close() }
        let recorder = Recorder(clock: clock)
        let dispatcher = Dispatcher(runner: Runner(context: context), mode: mode)
        let task = Task {
            defer { recorder.finish() }
            _ = try await dispatcher.run(onOutcome: { recorder.append($0) })
        }
        // Manual time moves in steps while the dispatcher waits on it, until the first outcomes are in.
        var steps = 0
        while recorder.kinds.count < setup.first.count, !recorder.isFinished, steps < 200 {
            steps += 1
            _ = await Self.eventually(30) { recorder.isFinished || recorder.kinds.count >= setup.first.count || !clock.pendingSleeps.isEmpty }
            if recorder.isFinished || recorder.kinds.count >= setup.first.count { break }
            clock.advance(by: .milliseconds(100))
        }
        let first = Array(recorder.all.prefix(setup.first.count))
        #expect(first.map(\.outcome.kind) == setup.first, "\(recorder.all)")
        if let word = setup.detail { #expect(first.first?.outcome.detail?.contains(word) == true, "\(first)") }
        if let at = first.first?.at { #expect(at.timeIntervalSince(start) * 1000 >= Double(setup.notBeforeMs)) }
        if let place = setup.leftIn { #expect(root.exists(place), "\(place) after \(first)") }
        context.stop.stop()
        try await task.value
    }

    /// A deferred claim: `once` leaves it for the next runner, `watch` offers it again after its backoff and runs it.
    @Test(.timeLimit(.minutes(1)), arguments: [Dispatcher.Mode.once, .watch(grace: .zero)])
    func aDeferredClaimIsLeftByOnceAndRetriedByWatch(mode: Dispatcher.Mode) async throws {
        let root = try TemporaryRoot()
        try root.drop("d.json", Self.valid)
        let fs = FaultyFileSystem([
            .init("link", pathContains: "outbox/requests/", code: EIO, times: 1),
            .init("writeAtomically", pathContains: "outbox/claimed/", code: EIO, times: 1),
        ])
        let clock = ManualClock()
        let context = root.engine(clock: clock, fileSystem: fs)
        defer { context.audit.close() }
        let recorder = Recorder(clock: clock)
        let dispatcher = Dispatcher(runner: Runner(context: context), mode: mode)
        let task = Task {
            defer { recorder.finish() }
            _ = try await dispatcher.run(onOutcome: { recorder.append($0) })
        }
        let wanted = mode == .once ? 1 : 2
        for _ in 0..<200 where recorder.kinds.count < wanted && !recorder.isFinished {
            _ = await Self.eventually(30) { recorder.isFinished || recorder.kinds.count >= wanted || !clock.pendingSleeps.isEmpty }
            clock.advance(by: .milliseconds(500))
        }
        _ = await Self.eventually(30) { recorder.isFinished || recorder.kinds.count >= wanted }
        context.stop.stop()
        try await task.value
        if mode == .once {
            #expect(recorder.kinds == [.deferred])
            #expect(root.exists("outbox/claimed/testhost-4242/d.json"))
        } else {
            #expect(recorder.kinds == [.deferred, .finished(.succeeded)])
            #expect(root.list("outbox/results") == ["d.json"])
        }
    }

    // MARK: - Helpers

    /// Outcomes reported by a dispatcher, each with the clock's time, collected across tasks.
    final class Recorder: Sendable {
        private let clock: any RunnerClock
        private let state = Mutex<(list: [(outcome: RunOutcome, at: Date)], finished: Bool)>(([], false))

        init(clock: any RunnerClock) { self.clock = clock }

        func append(_ outcome: RunOutcome) {
            let at = clock.now()
            state.withLock { $0.list.append((outcome, at)) }
        }
        func finish() { state.withLock { $0.finished = true } }
        var all: [(outcome: RunOutcome, at: Date)] { state.withLock { $0.list } }
        var kinds: [RunOutcome.Kind] { all.map(\.outcome.kind) }
        var isFinished: Bool { state.withLock { $0.finished } }
    }

    /// Waits until `condition` holds or `seconds` of real time pass (`DroprunTestSupport.eventually`).
    static func eventually(_ seconds: Double = 10, _ condition: () -> Bool) async -> Bool {
        await DroprunTestSupport.eventually(seconds, condition)
    }
}
