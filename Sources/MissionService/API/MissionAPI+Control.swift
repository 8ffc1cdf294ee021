import MissionModel
import MissionStore

/// Mission control's operator routes (CONTRACT §9).
extension MissionAPI {
    func control(_ action: MissionExecutor.OperatorAction, _ id: String) async throws -> HTTPResponse {
        switch try await runtime.executor.perform(action, on: id) {
        case .done(let board): return .json(200, runtime.liveJSON(board))
        case .conflict(let message): throw APIError.conflict(message)
        case .notFound: throw APIError.notFound("there is no mission \(id.prefix(100))")
        }
    }

    /// Pauses or resumes the whole queue; says how it stands.
    func setQueuePaused(_ paused: Bool) async throws -> HTTPResponse {
        try await runtime.setQueuePaused(paused)
        let queue = await runtime.queue.snapshot()
        return .json(200, ["paused": .bool(paused), "queue_depth": .int(queue.queued + queue.waitingForRetry), "active": .int(queue.running)])
    }

    /// A new mission with the ended one's objective, constraints, priority and approval rule,
    /// `parent_id` naming it.
    func rerun(_ id: String) async throws -> HTTPResponse {
        guard let board = runtime.store.whiteboard(id), board.isCreated, let objective = board.objective else {
            throw APIError.notFound("there is no mission \(id.prefix(100))")
        }
        guard board.status.isTerminal else {
            throw APIError.conflict("mission \(id) is \(board.status.rawValue); only an ended mission (completed, failed or cancelled) can be rerun")
        }
        var request = MissionRequest(objective: objective, constraints: board.constraints ?? Constraints(), priority: board.priority,
                                     source: MissionSource(channel: .api))
        request.requiresApproval = board.requiresApproval
        request.parentID = id
        return Self.envelope(try await orchestrator.submit(request))
    }
}
