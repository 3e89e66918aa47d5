import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

/// `TakeoverPolicy`: who may take a run over, as a table.
@Suite struct TakeoverPolicyTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let me = "testhost-4242"

    /// A record's status, its owner, whether that owner is dead, whether its approval has expired.
    struct Case: Sendable, CustomTestStringConvertible {
        var status: RunStatus
        var owner: String?
        var ownerDead = false
        var expired: Bool? = nil
        /// Recovery takes it up.
        var takeOver: Bool
        /// A cancel ends it at once.
        var idle: Bool

        var testDescription: String {
            "\(status.rawValue) owner \(owner ?? "none")\(ownerDead ? " (dead)" : "")\(expired.map { $0 ? " expired" : " not expired" } ?? "")"
        }

        var held: HeldRecord? {
            var json: [String: JSONValue] = ["status": .string(status.rawValue)]
            if let owner { json["runnerId"] = .string(owner) }
            if let expired {
                let expiry = expired ? TakeoverPolicyTests.now.addingTimeInterval(-1) : TakeoverPolicyTests.now.addingTimeInterval(60)
                json["approval"] =
                    PendingApproval(step: "ok", message: "", requestedAt: TakeoverPolicyTests.now.addingTimeInterval(-100), expiresAt: expiry).json
            }
            return HeldRecord(json: .object(json))
        }
    }

    static let cases: [Case] = [
        Case(status: .queued, owner: nil, takeOver: true, idle: true),
        Case(status: .queued, owner: "other-1", takeOver: false, idle: false),
        Case(status: .queued, owner: "other-1", ownerDead: true, takeOver: true, idle: true),
        Case(status: .queued, owner: me, takeOver: false, idle: false),
        Case(status: .running, owner: nil, takeOver: true, idle: true),
        Case(status: .running, owner: "other-1", takeOver: false, idle: false),
        Case(status: .running, owner: "other-1", ownerDead: true, takeOver: true, idle: true),
        Case(status: .running, owner: me, takeOver: false, idle: false),
        Case(status: .waitingApproval, owner: nil, expired: false, takeOver: false, idle: true),
        Case(status: .waitingApproval, owner: nil, expired: true, takeOver: true, idle: true),
        Case(status: .waitingApproval, owner: nil, takeOver: false, idle: true),
        Case(status: .waitingApproval, owner: "other-1", ownerDead: true, expired: false, takeOver: false, idle: true),
        Case(status: .succeeded, owner: nil, takeOver: false, idle: false),
        Case(status: .failed, owner: "other-1", ownerDead: true, takeOver: false, idle: false),
        Case(status: .cancelled, owner: nil, takeOver: false, idle: false),
    ]

    func policy(_ c: Case) -> TakeoverPolicy {
        let dead = c.ownerDead ? c.owner : nil
        return TakeoverPolicy(me: Self.me, now: Self.now, isDead: { $0 == dead })
    }

    @Test(arguments: cases)
    func whoMayTakeARunOver(_ c: Case) throws {
        let held = try #require(c.held)
        #expect(policy(c).shouldTakeOver(held) == c.takeOver)
        #expect(policy(c).isIdle(held) == c.idle)
        #expect(policy(c).isDue(held) == (c.status == .waitingApproval && c.expired == true))
        #expect(TakeoverPolicy.awaitsDecision(held) == (c.status == .waitingApproval))
    }

    /// A dead runner's checkpoint log resumes a run only while the record is still in that runner's hands.
    @Test(arguments: [
        (RunStatus.queued, "dead-1", true), (.running, "dead-1", true), (.running, "other-1", false),
        (.waitingApproval, "dead-1", false), (.succeeded, "dead-1", false),
    ])
    func theDeadRunnerStillHoldsIt(_ status: RunStatus, _ owner: String, _ holds: Bool) throws {
        let held = try #require(HeldRecord(json: ["status": .string(status.rawValue), "runnerId": .string(owner)]))
        #expect(TakeoverPolicy.isHeld(held, by: "dead-1") == holds)
    }

    @Test func aWaitingRunWasRunByNobody() throws {
        let waiting = try #require(HeldRecord(json: ["status": "waiting_approval", "runner": "h:1"]))
        let running = try #require(HeldRecord(json: ["status": "running", "runner": "h:1"]))
        #expect(TakeoverPolicy.previousRunner(waiting) == nil)
        #expect(TakeoverPolicy.previousRunner(running) == "h:1")
    }

    @Test func thisRunnerIsNeverGone() {
        let policy = TakeoverPolicy(me: Self.me, now: Self.now, isDead: { _ in true })
        #expect(!policy.isGone(Self.me) && policy.isGone("other-1"))
    }

    /// The one rule of approval expiry, as a table: a waiting run's approval expires at its `expiresAt` (not before),
    /// one with no expiry never does, and a run that does not wait has no approval to expire.
    @Test(
        arguments: [
            (RunStatus.waitingApproval, -1.0, true), (.waitingApproval, 0, true), (.waitingApproval, 60, false),
            (.waitingApproval, nil, false), (.running, -1, false), (.queued, -1, false), (.failed, -1, false),
        ] as [(RunStatus, Double?, Bool)])
    func anApprovalExpiresByOneRule(_ status: RunStatus, _ expiresIn: Double?, _ expired: Bool) throws {
        let approval = PendingApproval(
            step: "ok", message: "", requestedAt: Self.now.addingTimeInterval(-100), expiresAt: expiresIn.map(Self.now.addingTimeInterval))
        #expect(TakeoverPolicy.hasExpired(status, approval, at: Self.now) == expired)
        let held = try #require(HeldRecord(json: ["status": .string(status.rawValue), "approval": approval.json]))
        #expect(TakeoverPolicy(me: Self.me, now: Self.now, isDead: { _ in false }).isDue(held) == expired)
    }

    /// As the commands read it, no runner is "this runner": one named as the reading process would be (the liveness'
    /// own name) is gone once its heartbeat is, and alive while it has one; any other by its lease.
    @Test func aReaderCountsNoRunnerAsItself() throws {
        let root = try TemporaryRoot()
        let context = root.engine()
        defer { context.audit.close() }
        let policy = TakeoverPolicy(reading: context.liveness, now: context.clock.now())
        let own = context.identity.folderName
        #expect(policy.isGone(own), "no heartbeat")
        #expect(policy.isGone("otherhost-7"))
        try context.heartbeat.start(mode: "once", startedAt: context.clock.now(), concurrency: 1)
        #expect(!policy.isGone(own), "its heartbeat is there")
        let running = try #require(HeldRecord(json: ["status": "running", "runnerId": .string(own)]))
        #expect(!TakeoverPolicy(context: context).shouldTakeOver(running), "a runner never takes over its own runs")
    }
}
