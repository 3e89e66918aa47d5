import DroprunTestSupport
import Foundation
import Testing

@testable import DroprunKit

/// One decision per wait: of `droprun approve r & droprun reject r` at the same moment exactly one is accepted, the
/// other refused at once naming the first; a second decision that reaches a runner anyway says the run was decided.
@Suite(.serialized) struct DecisionReservationBinaryTests {
    /// 20 pairs of real processes of the built binary, each pair started together (which one first: seeded, printed).
    @Test func twoDecisionsAtOnceAreNeverBothAccepted() async throws {
        let root = try TemporaryRoot()
        try root.write("droprun.json", #"{"durability": "fast"}"#)
        let pairs = 20
        for i in 0..<pairs { try root.drop("r\(i).json", RequestText.shipIt(id: "r\(i)")) }
        var rng = SeededRandom.forTest("twoDecisionsAtOnceAreNeverBothAccepted")
        let seed = rng.seed
        let approveFirst = (0..<pairs).map { _ in Bool.random(using: &rng) }
        let path = root.path
        let winners: [String] = try await blockingWork {
            let first = try BuiltBinary.run(["run", "--once"], root: path)
            #expect(first.stdout.components(separatedBy: "waiting ").count - 1 == pairs, "\(first.stdout)\(first.stderr)")
            var winners: [String] = []
            for i in 0..<pairs {
                let verbs = approveFirst[i] ? ["approve", "reject"] : ["reject", "approve"]
                let children = try verbs.map { try BuiltBinary.start([$0, "r\(i)", "--by", $0 + "r"], root: path) }
                let outputs = try children.map { try $0.wait() }
                let accepted = zip(verbs, outputs).filter { $0.1.code == 0 }
                #expect(accepted.count == 1, "r\(i) (seed \(seed)): \(outputs.map { "\($0.code) \($0.stdout)\($0.stderr)" })")
                guard let winner = accepted.first?.0, let loser = zip(verbs, outputs).first(where: { $0.1.code != 0 }) else { continue }
                #expect(loser.1.code == 1)
                let named = winner == "approve" ? "approved by approver" : "rejected by rejectr"
                #expect(loser.1.stderr.contains("already") && loser.1.stderr.contains(named), "r\(i) (seed \(seed)): \(loser.1.stderr)")
                winners.append(winner)
            }
            return winners
        }
        #expect(winners.count == pairs)
        let ran = try await blockingWork { try BuiltBinary.run(["run", "--once"], root: path) }
        // Exit 1 only when a run was rejected (approval_rejected); never for a decision refused as invalid_state.
        #expect(ran.code == (winners.contains("reject") ? 1 : 0), "\(ran.stdout)\(ran.stderr)")
        #expect(!ran.stdout.contains("invalid_state"), "\(ran.stdout)")
        for (i, winner) in winners.enumerated() {
            #expect(root.json("outbox/results/r\(i).json")?["status"] == (winner == "approve" ? "succeeded" : "failed"), "r\(i)")
        }
        #expect(root.list("outbox/rejected").isEmpty, "\(root.list("outbox/rejected"))")
    }
}
