import MissionModel
import MissionStore
extension MissionExecutor {
    public enum CancelOutcome: Sendable {
        case cancelled(Whiteboard)
        /// Already completed, failed or cancelled: nothing changed.
        case alreadyTerminal(Whiteboard)
        case notFound
    }

    public static let cancelWaitLimit: Duration = .seconds(10)

    /// Cancels a queued or running mission. A running one is stopped through its tool's
    /// cancellation; the call returns once the `cancelled` record is durable (or after
    /// `cancelWaitLimit` with the state as it then stands).
    public nonisolated func cancel(_ id: String) async throws -> CancelOutcome {
        guard let board = store.whiteboard(id), board.isCreated else { return .notFound }
        if board.status.isTerminal { return .alreadyTerminal(board) }
        switch await queue.cancel(id) {
        case .signalledRunning:
            let final = await store.waitUntilTerminal(id, after: board.lastSeq, limit: Self.cancelWaitLimit)
            return .cancelled(final ?? store.whiteboard(id) ?? board)
        case .removedFromQueue, .notPresent:
            // Not present: this process is not running it (e.g. `mission cancel` on a data
            // directory no server is using); the log alone decides.
            let now = configuration.now()
            try await record(id, .status(StatusUpdate(status: .cancelled, reason: "cancelled_by_user", attempt: board.attempts,
                                                      completedAt: now,
                                                      executionResult: ExecutionResult(success: false, finalAnswer: "", toolsUsed: [],
                                                                                       error: "cancelled by user before it ran to the end"))))
            emit(.missionCancelled, id, ["while": .string(board.status.rawValue)])
            // A mission waiting here for a retry was under this node's lease.
            await letGo(id)
            return .cancelled(store.whiteboard(id) ?? board)
        }
    }

    public struct RecoveryReport: Sendable, Equatable {
        public var requeued: [String] = []
        public var recovered: [String] = []
        public var failed: [String] = []
    }

    /// After a restart: missions the log shows `queued` go back in the queue; `active` ones were
    /// cut off by a crash and are re-queued (`recovered_after_restart`), or fail (`interrupted`)
    /// when they have used all their attempts.
    public nonisolated func recover() async throws -> RecoveryReport {
        var report = RecoveryReport()
        let open = store.board.all().filter { $0.isCreated && !$0.status.isTerminal }
        // A process that died may have left an attempt's processes behind: they end before
        // any next attempt starts.
        for leftover in LeftoverProcesses.end(Set(open.map(\.missionID))) {
            configuration.report("mission \(leftover.missionID): ended process \(leftover.pid), left running by an earlier attempt")
        }
        for board in open {
            let item = ExecutionQueue.Item(board)
            switch board.status {
            case .active where board.attempts >= (board.constraints?.maxAttempts ?? 1):
                let now = configuration.now()
                let error = "interrupted by a restart during attempt \(board.attempts) of \(board.constraints?.maxAttempts ?? 1)"
                try await record(board.missionID, .status(StatusUpdate(
                    status: .failed, reason: "interrupted", attempt: board.attempts, completedAt: now,
                    executionResult: ExecutionResult(success: false, finalAnswer: "", toolsUsed: [board.objective?.type ?? ""], error: error))))
                report.failed.append(board.missionID)
            case .active:
                try await record(board.missionID, .status(StatusUpdate(status: .queued, reason: "recovered_after_restart", attempt: board.attempts)))
                await queue.enqueue(item)
                report.recovered.append(board.missionID)
            default:
                // Waiting, if it may not start yet (CONTRACT §9); its `run_at` is watched again.
                await offer(board, mayCancel: true)
                report.requeued.append(board.missionID)
            }
        }
        return report
    }
}
