import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

/// Claimed files that do not parse while they may still be written are held, looked at again, and rejected only once still.
@Suite struct HeldClaimsTests {
    static let t0 = Date(timeIntervalSince1970: 1_767_225_600)
    static func at(_ ms: Int) -> Date { t0.addingTimeInterval(Double(ms) / 1000) }
    static let claimed = ClaimedFile(name: "x.json", path: "/r/outbox/claimed/h/x.json", claimedAt: t0)
    static func info(size: Int64, modified: Date) -> FileInfo { FileInfo(type: .regular, size: size, modified: modified) }

    @Test func aYoungFileIsHeldAndAnOldOneIsNot() {
        var held = HeldClaims()
        let young = held.hold(Self.claimed, info: Self.info(size: 0, modified: Self.at(-1_000)), now: Self.t0)
        #expect(young)
        var old = HeldClaims()
        let stale = old.hold(Self.claimed, info: Self.info(size: 0, modified: Self.at(-HeldClaims.graceMs)), now: Self.t0)
        #expect(!stale)
        #expect(old.isEmpty)
        // Gone: nothing to hold.
        let gone = old.hold(Self.claimed, info: nil, now: Self.t0)
        #expect(!gone)
    }

    @Test func aFileThatChangesIsReadAgainAtTheNextLook() {
        var held = HeldClaims()
        let isHeld = held.hold(Self.claimed, info: Self.info(size: 0, modified: Self.t0), now: Self.t0)
        #expect(isHeld)
        #expect(held.nextLookMs(now: Self.t0) == HeldClaims.lookEveryMs)
        let same = Self.info(size: 0, modified: Self.t0)
        let first = held.due(now: Self.at(100)) { _ in same }
        #expect(first.isEmpty)
        let grown = Self.info(size: 120, modified: Self.at(150))
        let due = held.due(now: Self.at(200)) { _ in grown }
        #expect(due.map(\.claimed.path) == [Self.claimed.path])
        #expect(due.map(\.final) == [false])
        #expect(held.isEmpty)
    }

    @Test func aFileUnchangedForTheGraceIsRejected() {
        var held = HeldClaims()
        let info = Self.info(size: 7, modified: Self.t0)
        let isHeld = held.hold(Self.claimed, info: info, now: Self.t0)
        #expect(isHeld)
        let early = held.due(now: Self.at(HeldClaims.graceMs - 1)) { _ in info }
        #expect(early.isEmpty)
        #expect(held.nextLookMs(now: Self.at(HeldClaims.graceMs - 30)) == 30)
        let due = held.due(now: Self.at(HeldClaims.graceMs)) { _ in info }
        #expect(due.map(\.final) == [true])
        #expect(held.nextLookMs(now: Self.at(HeldClaims.graceMs)) == nil)
    }

    @Test func aFileStampedInTheFutureIsHeldForTheGraceOfThisRunnersTime() {
        var held = HeldClaims()
        let info = Self.info(size: 7, modified: Self.at(600_000))
        let isHeld = held.hold(Self.claimed, info: info, now: Self.t0)
        #expect(isHeld)
        let due = held.due(now: Self.at(HeldClaims.graceMs)) { _ in info }
        #expect(due.map(\.final) == [true])
    }

    @Test func aFileThatDisappearsIsForgotten() {
        var held = HeldClaims()
        let isHeld = held.hold(Self.claimed, info: Self.info(size: 0, modified: Self.t0), now: Self.t0)
        #expect(isHeld)
        let due = held.due(now: Self.at(100)) { _ in nil }
        #expect(due.isEmpty)
        #expect(held.isEmpty)
    }
}
