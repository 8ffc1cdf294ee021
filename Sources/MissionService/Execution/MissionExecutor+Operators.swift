import MissionModel
import MissionStore

/// What an operator may do to a queued mission (CONTRACT §9): approve or reject one that waits
/// for approval, pause and resume one. Each is a `queued` → `queued` (or `cancelled`) record;
/// the log decides, so the answer is read back from the fold: in a cluster another node may
/// have started the mission between the check and the record, and then the record changes
/// nothing (the fold refuses a `paused` after `active`) and the operator is told so.
extension MissionExecutor {
    public enum OperatorAction: String, Sendable, CaseIterable {
        case approve, reject, pause, resume

        /// The reason recorded (CONTRACT §9).
        var reason: String {
            switch self {
            case .approve: return "approved"
            case .reject: return "rejected"
            case .pause: return "paused"
            case .resume: return "resumed"
            }
        }
    }

    public enum OperatorOutcome: Sendable {
        case done(Whiteboard)
        /// Not in a state where the action applies; the message says why (409).
        case conflict(String)
        case notFound
    }

    public nonisolated func perform(_ action: OperatorAction, on id: String) async throws -> OperatorOutcome {
        guard let board = store.whiteboard(id), board.isCreated else { return .notFound }
        if let refusal = Self.refusal(of: action, board) { return .conflict(refusal) }
        switch action {
        case .reject:
            // Never started (it waits for approval): out of the queue, then the record.
            _ = await queue.cancel(id)
            let result = ExecutionResult(success: false, finalAnswer: "", toolsUsed: [], error: "rejected by an operator before it ran")
            try await record(id, .status(StatusUpdate(status: .cancelled, reason: action.reason, attempt: board.attempts,
                                                      completedAt: configuration.now(), executionResult: result)))
            emit(.missionCancelled, id, ["while": .string("queued"), "reason": .string(action.reason)])
            await letGo(id)
        case .pause:
            // Held back here first, so that no worker of this process takes it meanwhile. Not
            // present here (another node holds it, or no server runs): the record alone decides.
            if await !queue.gate(id), await queue.contains(id) {
                return .conflict("mission \(id) has just started; only a queued mission can be paused")
            }
            try await record(id, .status(StatusUpdate(status: .queued, reason: action.reason, attempt: board.attempts)))
        case .approve, .resume:
            try await record(id, .status(StatusUpdate(status: .queued, reason: action.reason, attempt: board.attempts)))
            await reconsider(id)
        }
        guard let after = store.whiteboard(id) else { return .notFound }
        let took: Bool
        switch action {
        // An approved or resumed mission may have started (even ended) by now: that is the
        // point. The flags say whether the record took.
        case .approve: took = after.approved
        case .reject: took = after.status == .cancelled
        case .pause: took = after.paused
        case .resume: took = !after.paused
        }
        return took ? .done(after) : .conflict("mission \(id) changed before the \(action.rawValue) took effect: it is \(after.status.rawValue) now")
    }

    /// Why `action` does not apply to `board` now, or nil when it does.
    static func refusal(of action: OperatorAction, _ board: Whiteboard) -> String? {
        let id = board.missionID
        guard board.status == .queued else {
            return "mission \(id) is \(board.status.rawValue); only a queued mission can be \(action.reason)"
        }
        switch action {
        case .approve, .reject:
            guard board.requiresApproval else { return "mission \(id) does not wait for approval (it was not created with requires_approval)" }
            guard !board.approved else { return "mission \(id) is already approved" }
        case .pause:
            guard !board.paused else { return "mission \(id) is already paused; resume it with POST /api/missions/\(id)/resume" }
        case .resume:
            guard board.paused else { return "mission \(id) is not paused" }
        }
        return nil
    }
}
