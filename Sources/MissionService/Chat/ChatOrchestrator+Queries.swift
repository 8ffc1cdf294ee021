import MissionModel
import MissionStore
extension ChatOrchestrator {
    nonisolated func status(_ id: String?, intent: IntentSummary, sessionID: String) -> ChatEnvelope {
        guard let id else {
            return ChatEnvelope(type: .reply, sessionID: sessionID, intent: intent,
                                message: "Which mission? Give its id, e.g. `status of m-0123456789abcdef`; `list missions` shows them.")
        }
        guard let board = runtime.store.whiteboard(id), board.isCreated else {
            return ChatEnvelope(type: .reply, sessionID: sessionID, intent: intent,
                                message: "There is no mission \(id) here; `list missions` shows the missions.")
        }
        return ChatEnvelope(type: .missionStatus, sessionID: sessionID, intent: intent, message: Self.describe(board),
                            missionID: board.missionID, status: board.status)
    }

    nonisolated func cancel(_ id: String?, intent: IntentSummary, sessionID: String) async throws -> ChatEnvelope {
        guard let id else {
            return ChatEnvelope(type: .reply, sessionID: sessionID, intent: intent,
                                message: "Cancel which mission? Give its id, e.g. `cancel m-0123456789abcdef`; `list missions` shows them.")
        }
        switch try await runtime.executor.cancel(id) {
        case .cancelled(let board):
            return ChatEnvelope(type: .missionCancelled, sessionID: sessionID, intent: intent,
                                message: "Cancelled mission \(id) (it was \(board.startTime == nil ? "queued" : "running")).",
                                missionID: id, status: board.status)
        case .alreadyTerminal(let board):
            return ChatEnvelope(type: .reply, sessionID: sessionID, intent: intent,
                                message: "Mission \(id) is already \(board.status.rawValue); there is nothing to cancel.",
                                missionID: id, status: board.status)
        case .notFound:
            return ChatEnvelope(type: .reply, sessionID: sessionID, intent: intent,
                                message: "There is no mission \(id) here, so nothing was cancelled; `list missions` shows the missions.")
        }
    }

    static let listLimit = 10

    nonisolated func list(_ filter: MissionStatus?, intent: IntentSummary, sessionID: String) -> ChatEnvelope {
        let page = runtime.store.board.list(status: filter, limit: Self.listLimit)
        let (missions, total) = (page.missions, page.total)
        let what = filter.map { "\($0.rawValue) missions" } ?? "missions"
        let counted = total == 1 ? (filter.map { "\($0.rawValue) mission" } ?? "mission") : what
        var text = total == 0 ? "There are no \(what)." : "\(total) \(counted)" + (total > missions.count ? ", newest \(missions.count):" : ":")
        for board in missions {
            text += "\n\(board.missionID)  \(board.status.rawValue)  \(board.objective?.type ?? "?")  \((board.objective?.description ?? "").oneLine(limit: 60))"
        }
        return ChatEnvelope(type: .missionList, sessionID: sessionID, intent: intent, message: text)
    }

    static func describe(_ board: Whiteboard) -> String {
        let objective = board.objective.map { "\($0.type): \($0.description.oneLine(limit: 80))" } ?? "?"
        var text = "Mission \(board.missionID) (\(objective)) is \(board.status.rawValue)"
        if board.attempts > 0 {
            let limit = board.constraints?.maxAttempts ?? 1
            text += ", attempt \(min(board.attempts, limit)) of \(limit)"
        }
        text += "."
        if !board.status.isTerminal, let progress = board.progress { text += " Latest: \(progress.phase): \(progress.message.oneLine(limit: 120))." }
        if let result = board.executionResult {
            text += result.success ? " Answer: \(result.finalAnswer.oneLine(limit: 200))" : " Error: \((result.error ?? "").oneLine(limit: 200))"
        }
        return text
    }
}
