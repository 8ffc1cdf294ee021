import MissionModel
import MissionStore

/// What a node of a cluster does besides serving and running (CONTRACT §8): it queues here
/// every mission the store shows queued that it can run, whichever node accepted it (a worker
/// then runs it only if it gets the lease); it renews its leases; it queues missions whose node stopped renewing,
/// so that one of its workers takes them over; and it stops its own attempts once it could
/// not renew for half a lease, before another node may take them.
struct ClusterDuties: Sendable {
    let store: MissionStore
    let queue: ExecutionQueue
    let executor: MissionExecutor
    let leases: PostgresLeases
    let tools: ToolRegistry
    let report: @Sendable (String) -> Void

    func run() async {
        await withDiscardingTaskGroup { group in
            group.addTask { await queueWhatTheStoreQueues() }
            group.addTask { await keepLeases() }
            group.addTask { await leases.run() }
        }
    }

    /// Every open mission now, then each one that a later record puts back in the queue; and
    /// an attempt running here stops when another node records the mission cancelled.
    private func queueWhatTheStoreQueues() async {
        let from = store.log.lastSeq
        for board in store.board.all() where board.isCreated && !board.status.isTerminal {
            await offer(board)
        }
        do {
            for try await entry in store.log.follow(after: from) {
                // This node's own records (they keep the value they were appended with) were
                // acted on where they were made; of the others', most are neither: look at the
                // bytes before the view.
                guard entry.kept == nil else { continue }
                guard let id = entry.missionID else {
                    // The queue's own records (CONTRACT §9): the view has folded this one already.
                    if entry.line.contains(bytes: Self.queueMark) {
                        if store.board.queuePaused { await queue.pauseAll() } else { await queue.resumeAll() }
                    }
                    continue
                }
                if entry.line.contains(bytes: Self.queuedMark), let board = store.whiteboard(id), board.status == .queued {
                    await offer(board)
                } else if entry.line.contains(bytes: Self.cancelledMark) {
                    // A cancel recorded here already stopped its attempt; this changes nothing then.
                    // One waiting here for a retry was under this node's lease.
                    if await queue.cancel(id, reason: .superseded) == .removedFromQueue { leases.release(id) }
                }
            }
        } catch {
            report("cluster: stopped following the missions log: \(error)")
        }
    }

    private static let queueMark = Array(#""event_type":"queue_"#.utf8)
    private static let queuedMark = Array(#""status":"queued""#.utf8)
    private static let cancelledMark = Array(#""status":"cancelled""#.utf8)

    /// Queues `board`'s mission here, unless this node cannot run it (CONTRACT §8: a node claims
    /// only missions whose tool it can run; another node takes it).
    private func offer(_ board: Whiteboard) async {
        guard let objective = board.objective, tools.canRun(objective) else { return }
        guard board.status == .active else {
            // Queued: waiting, if it may not start yet (CONTRACT §9), by this node's view.
            await executor.offer(board)
            return
        }
        // Left active by a node whose lease ran out: a worker here takes it over.
        await queue.enqueue(ExecutionQueue.Item(board))
    }

    /// Renews every third of a lease; takes up missions whose lease ran out elsewhere.
    private func keepLeases() async {
        var renewed = ContinuousClock.now
        var stopped = false
        while (try? await Task.sleep(for: leases.duration / 3)) != nil {
            do {
                let lost = try await leases.renew()
                renewed = .now
                stopped = false
                for id in lost {
                    report("mission \(id): its lease was taken by another node; stopping it here")
                    _ = await queue.cancel(id, reason: .superseded)
                }
                for id in try await leases.expired() {
                    if let board = store.whiteboard(id), board.isCreated, !board.status.isTerminal { await offer(board) }
                }
            } catch {
                guard !stopped, ContinuousClock.now - renewed > leases.duration / 2 else { continue }
                // Past half a lease without renewing, another node may soon take these missions:
                // two attempts of one mission must never run at once.
                stopped = true
                report("cluster: leases not renewed for \((ContinuousClock.now - renewed).milliseconds) ms (\(error)); stopping the attempts running here")
                await queue.interruptAll()
            }
        }
    }
}
