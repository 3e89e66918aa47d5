import Foundation

extension Runner {
    /// Admits a claimed file; one that does not parse while it may still be being written is held instead (see `HeldClaims`).
    func admit(_ claimed: ClaimedFile, holding held: inout HeldClaims) async throws -> Admitted {
        let admitted = try await admit(claimed)
        guard admitted.isIncomplete else { return admitted }
        if held.hold(claimed, info: try? context.fileSystem.info(claimed.path), now: context.clock.now()) { return admitted }
        var final = claimed
        final.mayBeIncomplete = false
        return try await admit(final)
    }

    /// Reads again the held files that changed, and rejects those unchanged for the grace time; returns what each became.
    func revisit(_ held: inout HeldClaims) async throws -> [Admitted] {
        let fs = context.fileSystem
        var results: [Admitted] = []
        for (claimed, final) in held.due(now: context.clock.now(), info: { try? fs.info($0) }) {
            var file = claimed
            file.mayBeIncomplete = !final
            let admitted = try await admit(file, holding: &held)
            if !admitted.isIncomplete { results.append(admitted) }
        }
        return results
    }
}
