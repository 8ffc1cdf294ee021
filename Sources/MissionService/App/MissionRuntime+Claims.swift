import MissionModel
import MissionStore

/// Cluster mode (CONTRACT §8): dedup and `Idempotency-Key` across nodes. A mission's creation
/// claims its dedup key and its idempotency key in the store, in the transaction that writes
/// it, so that of two nodes creating the same mission at the same instant one does.
extension MissionRuntime {
    /// What holds `claim`, once this node's view has it: the twin to answer with (still queued
    /// or running), or nil when the claim is free again or its mission ended (a stale dedup
    /// claim is let go then): the creation goes ahead. An idempotency key's holder is answered
    /// as the repeat it is (`IdempotencyKeyHeld`).
    func twin(holding claim: String) async throws -> Whiteboard? {
        guard let holder = try await store.log.holder(of: claim) else { return nil }
        // The holder's records were committed with its claim: they reach this node's view soon.
        let seen = await withTimeout(Self.claimWaitLimit) {
            while self.store.whiteboard(holder) == nil {
                guard await self.store.log.waitForCommit(after: self.store.log.lastSeq) else { return nil as Whiteboard? }
            }
            return self.store.whiteboard(holder)
        }
        guard let board = seen else {
            throw LogError.unavailable(store: clusterStore ?? "the store", reason: "mission \(holder) holds \(claim) but did not reach this node in time")
        }
        if claim.hasPrefix(MissionStore.idempotencyClaim) { throw IdempotencyKeyHeld(missionID: holder) }
        guard board.status.isTerminal else { return board }
        try await store.log.release([claim], heldBy: holder)
        return nil
    }

    /// How long a node waits for a claim's holder to reach its view before giving up (503).
    static let claimWaitLimit: Duration = .seconds(10)
}

/// Another node created a mission under this `Idempotency-Key` first: the request is a repeat.
public struct IdempotencyKeyHeld: Error, Sendable {
    public var missionID: String
}
