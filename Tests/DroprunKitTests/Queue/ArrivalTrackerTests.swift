import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

/// When an inbox file may be taken: at once when renamed in, after close and a quiet time when written in place, by observation otherwise.
@Suite struct ArrivalTrackerTests {
    static let t0 = Date(timeIntervalSince1970: 1_767_225_600)

    static func candidate(_ name: String = "x.json", size: Int64 = 10, modified: Date = t0) -> InboxCandidate {
        InboxCandidate(name: name, info: FileInfo(type: .regular, size: size, modified: modified))
    }

    static func at(_ ms: Int) -> Date { t0.addingTimeInterval(Double(ms) / 1000) }

    @Test func aFileRenamedInIsCompleteAtOnce() {
        var tracker = ArrivalTracker(settleMs: 0)
        tracker.note(InboxEvent(name: "x.json", kind: .renamedIn), now: Self.t0)
        #expect(tracker.decision(Self.candidate(), now: Self.t0) == .take(complete: true))
        // Even with a settle time: a rename hands over a whole file.
        var settling = ArrivalTracker(settleMs: 5_000)
        settling.note(InboxEvent(name: "x.json", kind: .renamedIn), now: Self.t0)
        #expect(settling.decision(Self.candidate(), now: Self.t0) == .take(complete: true))
    }

    @Test func aFileWrittenInPlaceWaitsForItsCloseThenAQuietTime() {
        var tracker = ArrivalTracker(settleMs: 0)
        tracker.note(InboxEvent(name: "x.json", kind: .written), now: Self.t0)
        // Open for writing, however long: no deadline, the close event wakes the runner.
        #expect(tracker.decision(Self.candidate(), now: Self.at(60_000)) == .wait(nil))
        tracker.note(InboxEvent(name: "x.json", kind: .written), now: Self.at(60_000))
        tracker.note(InboxEvent(name: "x.json", kind: .closed), now: Self.at(61_000))
        #expect(tracker.decision(Self.candidate(), now: Self.at(61_000)) == .wait(ArrivalTracker.closeQuietMs))
        #expect(tracker.decision(Self.candidate(), now: Self.at(61_060)) == .wait(ArrivalTracker.closeQuietMs - 60))
        #expect(tracker.decision(Self.candidate(), now: Self.at(61_000 + ArrivalTracker.closeQuietMs)) == .take(complete: true))
    }

    @Test func aFileCreatedAndNeverWrittenIsTakenAfterTheQuietTime() {
        // A hard link (droprun submit, approve, cancel; ln) raises IN_CREATE and nothing else: no close ever comes.
        var tracker = ArrivalTracker(settleMs: 0)
        tracker.note(InboxEvent(name: "x.json", kind: .created), now: Self.t0)
        #expect(tracker.decision(Self.candidate(), now: Self.at(40)) == .wait(ArrivalTracker.closeQuietMs - 40))
        #expect(tracker.decision(Self.candidate(), now: Self.at(ArrivalTracker.closeQuietMs)) == .take(complete: false))
        // A folder, symbolic link or FIFO the same way, known whole (it is rejected as not a regular file).
        let fifo = InboxCandidate(name: "x.json", info: FileInfo(type: .fifo, size: 0, modified: Self.t0))
        #expect(tracker.decision(fifo, now: Self.at(ArrivalTracker.closeQuietMs)) == .take(complete: true))
        // Written after its creation: a writer has it open, and its close is waited for.
        tracker.note(InboxEvent(name: "x.json", kind: .written), now: Self.at(10))
        #expect(tracker.decision(Self.candidate(), now: Self.at(60_000)) == .wait(nil))
    }

    @Test func timesSetAfterTheCloseRestartTheQuietTime() {
        var tracker = ArrivalTracker(settleMs: 0)
        tracker.note(InboxEvent(name: "x.json", kind: .written), now: Self.t0)
        tracker.note(InboxEvent(name: "x.json", kind: .closed), now: Self.t0)
        tracker.note(InboxEvent(name: "x.json", kind: .attributes), now: Self.at(80))
        #expect(tracker.decision(Self.candidate(), now: Self.at(120)) == .wait(60))
        #expect(tracker.decision(Self.candidate(), now: Self.at(180)) == .take(complete: true))
    }

    @Test func aRenamedFileWrittenAgainWaitsForItsClose() {
        var tracker = ArrivalTracker(settleMs: 0)
        tracker.note(InboxEvent(name: "x.json", kind: .renamedIn), now: Self.t0)
        tracker.note(InboxEvent(name: "x.json", kind: .written), now: Self.at(1))
        #expect(tracker.decision(Self.candidate(), now: Self.at(10)) == .wait(nil))
        tracker.note(InboxEvent(name: "x.json", kind: .closed), now: Self.at(20))
        #expect(tracker.decision(Self.candidate(), now: Self.at(20 + ArrivalTracker.closeQuietMs)) == .take(complete: true))
    }

    @Test func settleMsLengthensTheQuietTimeOfFilesWrittenInPlace() {
        var tracker = ArrivalTracker(settleMs: 1_000)
        tracker.note(InboxEvent(name: "x.json", kind: .closed), now: Self.t0)
        #expect(tracker.decision(Self.candidate(), now: Self.at(500)) == .wait(500))
        #expect(tracker.decision(Self.candidate(), now: Self.at(1_000)) == .take(complete: true))
    }

    @Test func withoutEventsAFileIsTakenAtOnceButNotKnownWhole() {
        let tracker = ArrivalTracker(settleMs: 0)
        #expect(tracker.decision(Self.candidate(), now: Self.t0) == .take(complete: false))
    }

    @Test func withoutEventsSettleMsIsJudgedByObservation() {
        var tracker = ArrivalTracker(settleMs: 1_000)
        // Modified long ago: settled.
        #expect(tracker.decision(Self.candidate(modified: Self.at(-5_000)), now: Self.t0) == .take(complete: false))
        // Stamped far in the future (a writer whose clock is ahead): unchanged for settleMs of this runner's time.
        let skewed = Self.candidate(modified: Self.at(600_000))
        tracker.observe(skewed, now: Self.t0)
        #expect(tracker.decision(skewed, now: Self.at(400)) == .wait(600))
        #expect(tracker.decision(skewed, now: Self.at(1_000)) == .take(complete: false))
        // A change starts the wait again.
        let grown = Self.candidate(size: 20, modified: Self.at(600_001))
        tracker.observe(grown, now: Self.at(1_000))
        #expect(tracker.decision(grown, now: Self.at(1_500)) == .wait(500))
    }

    @Test func lostEventsLeaveEveryFileToObservation() {
        var tracker = ArrivalTracker(settleMs: 0)
        tracker.note(InboxEvent(name: "x.json", kind: .written), now: Self.t0)
        tracker.forgetEvents()
        #expect(tracker.decision(Self.candidate(), now: Self.t0) == .take(complete: false))
    }

    @Test func pruneAndForgetDropNamesSoMemoryStaysBounded() {
        var tracker = ArrivalTracker(settleMs: 1_000)
        for i in 0..<100 {
            tracker.note(InboxEvent(name: "f\(i).json", kind: .renamedIn), now: Self.t0)
            tracker.observe(Self.candidate("f\(i).json"), now: Self.t0)
        }
        tracker.forget("f0.json")
        tracker.prune(keeping: ["f1.json", "f2.json"])
        #expect(tracker.count == 4)
    }
}

/// Empty files are left in the inbox while young: a placeholder may be filled later, through its open file or by its name.
@Suite struct EmptyFileTests {
    typealias T = ArrivalTrackerTests

    @Test func anEmptyYoungFileIsLeftAloneUntilItHasBeenEmptyForTheGrace() {
        var tracker = ArrivalTracker(settleMs: 0)
        let empty = T.candidate(size: 0, modified: T.t0)
        #expect(tracker.decision(empty, now: T.at(1_000)) == .wait(ArrivalTracker.emptyGraceMs - 1_000))
        // Even once its writer closed it (like `touch`): it may be opened again by name.
        tracker.note(InboxEvent(name: "x.json", kind: .written), now: T.t0)
        tracker.note(InboxEvent(name: "x.json", kind: .closed), now: T.t0)
        #expect(tracker.decision(empty, now: T.at(1_000)) == .wait(ArrivalTracker.emptyGraceMs - 1_000))
        #expect(tracker.decision(empty, now: T.at(ArrivalTracker.emptyGraceMs)) == .take(complete: true))
        // Filled: taken as any other.
        #expect(tracker.decision(T.candidate(size: 300, modified: T.at(1_000)), now: T.at(1_200)) == .take(complete: true))
    }

    @Test func anEmptyFileRenamedInIsWholeAtOnce() {
        var tracker = ArrivalTracker(settleMs: 0)
        tracker.note(InboxEvent(name: "x.json", kind: .renamedIn), now: T.t0)
        #expect(tracker.decision(T.candidate(size: 0, modified: T.t0), now: T.t0) == .take(complete: true))
    }

    @Test func anEmptyFileStampedInTheFutureIsJudgedByHowLongItWasSeenEmpty() {
        var tracker = ArrivalTracker(settleMs: 0)
        let skewed = T.candidate(size: 0, modified: T.at(600_000))
        tracker.observe(skewed, now: T.t0)
        #expect(tracker.decision(skewed, now: T.at(2_000)) == .wait(ArrivalTracker.emptyGraceMs - 2_000))
        #expect(tracker.decision(skewed, now: T.at(ArrivalTracker.emptyGraceMs)) == .take(complete: false))
    }

    @Test func anOldEmptyFileIsTakenAtOnce() {
        let tracker = ArrivalTracker(settleMs: 0)
        #expect(tracker.decision(T.candidate(size: 0, modified: T.at(-60_000)), now: T.t0) == .take(complete: false))
    }
}
