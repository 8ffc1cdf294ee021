import MissionModel
import MissionStore

/// Cluster mode (CONTRACT §8): an attempt starts only under this node's lease on its mission,
/// decided from a view that has caught up with the store; the lease goes when the mission
/// leaves this node.
extension MissionExecutor {
    /// The mission leaves this node's queue (its last record committed), and in cluster mode
    /// its lease is let go, so that another node may take it at once.
    nonisolated func leave(_ ids: [String]) async {
        await queue.finish(ids)
        for id in ids { await letGo(id) }
    }

    /// Cluster mode: lets go of this node's lease on `id` and, once it ended, of its dedup claim
    /// (both committed with the next turn of releases; nobody waits for them).
    nonisolated func letGo(_ id: String) async {
        guard let leases else { return }
        let ended = store.whiteboard(id).flatMap { $0.status.isTerminal ? $0.dedupKey : nil }
        leases.release(id, claims: ended.map { [MissionStore.dedupClaim + $0] } ?? [])
    }

    nonisolated func leave(_ id: String) async {
        await leave([id])
    }

    enum ClaimOutcome {
        /// The lease is this node's and the view current: run it.
        case run
        /// Another node runs it, or it ended: it leaves this node's queue.
        case leave
        /// The store could not say: it stays queued here and is tried again shortly.
        case later
    }

    /// Whether the mission waiting in this node's queue may run here now (cluster mode).
    nonisolated func admit(_ lease: ExecutionQueue.Lease, under leases: PostgresLeases) async -> Bool {
        let id = lease.item.missionID
        // Accepted here but not runnable here (a command this node does not allow): another
        // node that can run it takes it from the store.
        if let objective = store.whiteboard(id)?.objective, !tools.canRun(objective) {
            await leave(id)
            return false
        }
        switch await claim(id, in: leases) {
        case .run:
            return true
        case .leave:
            await leave(id)
        case .later:
            await queue.parkForRetry(id)
            scheduleRetry(id, after: leases.duration / 3)
        }
        return false
    }

    /// Takes the lease on `id` and waits until this node has folded every record committed
    /// before it, then decides from its view. A mission left `active` by a node whose lease ran
    /// out is recorded back as `queued` (reason `lease_expired`): that attempt is used up, and
    /// the next one runs here.
    private nonisolated func claim(_ id: String, in leases: PostgresLeases) async -> ClaimOutcome {
        let claim: PostgresLeases.Claim
        do {
            claim = try await leases.claim(id)
        } catch {
            configuration.report("mission \(id): not started yet, its lease could not be taken: \(error)")
            return .later
        }
        guard case .granted(let head) = claim else { return .leave }
        if store.log.lastSeq < head {
            let caughtUp = await withTimeout(leases.duration) { await self.store.log.waitForCommit(after: head - 1) ? true : nil }
            guard caughtUp == true else { return .later }
        }
        guard let board = store.whiteboard(id), board.isCreated, !board.status.isTerminal else { return .leave }
        // Its key has all the missions running that it may, on some node: the lease goes back
        // and it is tried again shortly (the view is the store's up to the claim; two nodes
        // starting two missions of one key at the same instant can still both go).
        if board.status == .queued, let key = board.concurrencyKey, store.board.activeCount(key) >= queue.maxPerKey {
            leases.release(id)
            return .later
        }
        if board.status == .active {
            do {
                try await record(id, .status(StatusUpdate(status: .queued, reason: "lease_expired", attempt: board.attempts)))
            } catch {
                configuration.report("mission \(id): could not record that its lease ran out: \(error)")
                return .later
            }
            configuration.report("mission \(id): its node's lease ran out during attempt \(board.attempts); taken over here")
        }
        return .run
    }
}
