import MissionModel
import MissionStore

/// Missions that may not start yet (CONTRACT §9): they stay `queued` in the log and present in
/// the queue (for duplicates and `--max-queued`), but waiting. The log decides when they may
/// start; these keep the queue in step with it. A `run_at` ahead is watched by the executor's
/// one deadline watcher (`deadlines`), which wakes `reconsider` at that time: no polling.
extension MissionExecutor {
    /// Puts an open mission the log shows into this process's queue, waiting if it may not start
    /// yet; if it is there already, brings its waiting in step with the log.
    /// `mayCancel`: this process decides for it that a mission it comes after failed (in a
    /// cluster, the node that recorded that ending or created the mission; CONTRACT §9).
    nonisolated func offer(_ board: Whiteboard, mayCancel: Bool = false) async {
        guard board.isCreated, board.status == .queued else { return }
        let now = configuration.now()
        let statuses = board.after.isEmpty ? [:] : store.board.statuses(of: board.after)
        if mayCancel, let failed = board.failedDependency(status: { statuses[$0] }) {
            await cancel(board, after: failed, ended: statuses[failed] ?? .failed)
            return
        }
        let waiting = board.waitingFor(now: now, status: { statuses[$0] }) != nil
        let item = ExecutionQueue.Item(board)
        if await queue.enqueue(item, waiting: waiting) == .alreadyPresent {
            if waiting { await queue.gate(board.missionID) } else { await queue.release(board.missionID) }
        }
        wakeWhenDue(board, decidedAt: now)
    }

    /// After a record that may change whether `id` waits (approved, resumed, its time came).
    nonisolated func reconsider(_ id: String, mayCancel: Bool = false) async {
        guard let board = store.whiteboard(id) else { return }
        await offer(board, mayCancel: mayCancel)
    }

    /// Missions that come after one that just ended: free to start, or never (it did not
    /// complete), which cancels them and so, in turn, the ones after them.
    nonisolated func settleDependents(of ending: MissionBoard.Ending) async {
        for dependent in store.board.dependents(of: ending.missionID) {
            await reconsider(dependent, mayCancel: ending.local)
        }
    }

    /// Cancels a queued mission that can never start: `dependency` did not complete.
    private nonisolated func cancel(_ board: Whiteboard, after dependency: String, ended: MissionStatus) async {
        let id = board.missionID
        _ = await queue.cancel(id)
        let result = ExecutionResult(success: false, finalAnswer: "", toolsUsed: [],
                                     error: "mission \(dependency), which it comes after, ended \(ended.rawValue)")
        do {
            try await record(id, .status(StatusUpdate(status: .cancelled, reason: "dependency_failed", attempt: board.attempts,
                                                      completedAt: configuration.now(), executionResult: result)))
        } catch {
            configuration.report("mission \(id): not cancelled after \(dependency) ended \(ended.rawValue): \(error)")
            return
        }
        emit(.missionCancelled, id, ["while": .string("queued"), "reason": .string("dependency_failed")])
        await letGo(id)
    }

    /// Arms the wake-up of a mission whose `run_at` was ahead when its waiting was decided at
    /// `now` (if that time has passed since, it wakes at once: it must not wait forever).
    nonisolated func wakeWhenDue(_ board: Whiteboard, decidedAt now: Timestamp) {
        guard let runAt = board.runAt, runAt > now, board.status == .queued else { return }
        let ahead = max(0, runAt.milliseconds(since: configuration.now()))
        let id = board.missionID
        let wakeups = self.wakeups
        _ = deadlines.add(.now + .milliseconds(ahead)) { wakeups.yield(id) }
    }

    /// Taken from the queue but not to start yet (the log changed since it was queued, or
    /// another node paused it or the whole queue): back to waiting here, and in cluster mode
    /// its lease let go.
    nonisolated func holdBack(_ id: String, queuePaused: Bool) async {
        // The whole queue paused (on another node, or just now): it keeps its place for when
        // the queue resumes.
        await queue.putBack(id, waiting: !queuePaused)
        await letGo(id)
        if !queuePaused, let board = store.whiteboard(id) { wakeWhenDue(board, decidedAt: configuration.now()) }
    }
}
