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

    /// The mission-control fields of a `POST /api/missions` body, into `request`.
    static func readControlFields(_ body: JSONObject, into request: inout MissionRequest, now: Timestamp) throws {
        let runAt = try body.optionalTimestamp("run_at")
        let delay = try body.optionalDouble("delay_seconds")
        if runAt != nil, delay != nil { throw APIError.invalid("give run_at or delay_seconds, not both") }
        if let delay {
            guard delay >= 0, delay <= MissionRequest.maxDelaySeconds else {
                throw APIError.invalid("delay_seconds must be between 0 and \(Int(MissionRequest.maxDelaySeconds)) (a year)")
            }
            request.runAt = Timestamp(millisecondsSinceEpoch: now.millisecondsSinceEpoch + Int64((delay * 1000).rounded()))
            request.timing = "delay_seconds=\(delay)"
        } else if let runAt {
            request.runAt = runAt
            request.timing = "run_at=\(runAt)"
        }
        request.requiresApproval = try body.optionalBool("requires_approval") ?? false
        request.after = try body.stringArray("after").uniqued()
    }
}
