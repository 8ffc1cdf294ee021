import MissionModel
/// The pure fold from events to whiteboards. No I/O, no clock: live state and replayed
/// state cannot differ.
public enum WhiteboardReducer {
    public static func reduce(into board: inout Whiteboard, _ event: MissionEvent) {
        board.lastSeq = event.seq
        board.eventCount += 1
        board.updatedAt = event.timestamp
        var entry = Whiteboard.TimelineEntry(seq: event.seq, timestamp: event.timestamp, eventType: event.eventType, message: "")
        switch event.body {
        case .created(let created):
            board.objective = created.objective
            board.constraints = created.constraints
            board.priority = created.priority
            board.createdAt = event.timestamp
            board.source = created.source
            board.dedupKey = created.dedupKey
            board.idempotencyKey = created.idempotencyKey
            board.adoptControl(of: created)
            entry.message = created.objective.description
        case .status(let update):
            entry.labelKind = .status
            entry.label = update.status.rawValue
            entry.message = message(for: update)
            apply(update, at: event.timestamp, to: &board)
        case .progress(let progress):
            board.progress = MissionProgress(phase: progress.phase, message: progress.message)
            entry.labelKind = .phase
            entry.label = progress.phase
            entry.message = progress.message
        case .artifact(let artifact):
            board.artifacts.append(Artifact(kind: artifact.kind, uri: artifact.uri))
            entry.labelKind = .kind
            entry.label = artifact.kind
            entry.message = artifact.uri
        case .callback(let attempt):
            entry.message = attempt.summary
        case .other(_, let message):
            entry.message = message ?? ""
        }
        // Most timelines are short: grow them exactly rather than doubling, which would leave
        // a third of every mission's timeline empty in memory.
        if board.timeline.count < 16 { board.timeline.reserveCapacity(board.timeline.count + 1) }
        board.timeline.append(entry)
    }

    public static func fold(_ events: some Sequence<MissionEvent>, missionID: String) -> Whiteboard {
        var board = Whiteboard(missionID: missionID)
        for event in events where event.missionID == missionID { reduce(into: &board, event) }
        return board
    }

    private static func apply(_ update: StatusUpdate, at timestamp: Timestamp, to board: inout Whiteboard) {
        // An illegal move (e.g. out of a terminal state) is kept in the timeline but does not
        // change the state: a finished mission stays finished whatever a bad record says.
        guard board.canMove(to: update.status, reason: update.reason) else {
            board.illegalTransitions += 1
            return
        }
        board.hasStatusUpdate = true
        board.status = update.status
        switch update.status {
        case .active:
            board.attempts = update.attempt ?? board.attempts + 1
            if board.startTime == nil { board.startTime = timestamp }
        case .queued:
            // A graceful interruption hands its attempt back: the next one reuses the number
            // (a crash, recovered as `recovered_after_restart`, uses one up).
            if update.reason == "interrupted" { board.attempts = max(0, (update.attempt ?? board.attempts) - 1) }
            switch update.reason {
            case "paused": board.paused = true
            case "resumed": board.paused = false
            case "approved": board.approved = true
            default: break
            }
            // What it was doing is over; say that it waits, and why.
            if board.progress != nil { board.progress = MissionProgress(phase: "queued", message: waitingMessage(update.reason)) }
        case .completed, .failed, .cancelled:
            board.endTime = update.completedAt ?? timestamp
            if let result = update.executionResult { board.executionResult = result }
        }
    }

    private static func waitingMessage(_ reason: String) -> String {
        switch reason {
        case "retry_scheduled": return "waiting to retry"
        case "interrupted", "recovered_after_restart": return "waiting to run again after an interruption"
        case "paused": return "paused by an operator"
        case "resumed", "approved": return "waiting to run (\(reason) by an operator)"
        default: return "waiting to run (\(reason))"
        }
    }

    private static func message(for update: StatusUpdate) -> String {
        if let error = update.executionResult?.error ?? update.error, !error.isEmpty {
            return update.reason.isEmpty ? error : "\(update.reason): \(error)"
        }
        return interned(update.reason)
    }

    /// The reasons this service writes, as static strings: held by every timeline, a parsed
    /// copy of each would be a heap allocation per record.
    static func interned(_ reason: String) -> String {
        switch reason {
        case "enqueued": return "enqueued"
        case "execution_started": return "execution_started"
        case "execution_finished": return "execution_finished"
        case "execution_failed": return "execution_failed"
        case "retry_scheduled": return "retry_scheduled"
        case "cancelled_by_user": return "cancelled_by_user"
        case "recovered_after_restart": return "recovered_after_restart"
        case "interrupted": return "interrupted"
        case "timeout": return "timeout"
        case "paused": return "paused"
        case "resumed": return "resumed"
        case "approved": return "approved"
        case "rejected": return "rejected"
        case "dependency_failed": return "dependency_failed"
        default: return reason
        }
    }
}
