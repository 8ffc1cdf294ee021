import Synchronization

/// The materialised view: every mission's whiteboard, kept current as records are committed,
/// so reading one is a dictionary lookup and never touches the file.
public final class MissionBoard: Sendable {
    struct State {
        var boards: [String: Whiteboard] = [:]
        /// Mission ids in the order they were first seen (creation order).
        var order: [String] = []
        var appliedSeq = 0
        var idempotency: [String: String] = [:]
        var undecodable: [(seq: Int, reason: String)] = []
    }

    let state = Mutex(State())

    public init() {}

    /// Folds one stored record into the view. Records that are valid JSON but not a valid
    /// mission event are counted (and reported by `mission verify`), not fatal.
    public func apply(seq: Int, record: JSONObject) {
        let event: MissionEvent
        do {
            event = try MissionEvent(record: record, seq: seq)
        } catch {
            state.withLock {
                $0.appliedSeq = max($0.appliedSeq, seq)
                $0.undecodable.append((seq, error.description))
            }
            return
        }
        state.withLock { Self.apply(event, to: &$0) }
    }

    public func apply(_ entries: [LogEntry]) {
        for entry in entries { apply(seq: entry.seq, record: entry.record) }
    }

    static func apply(_ event: MissionEvent, to state: inout State) {
        state.appliedSeq = max(state.appliedSeq, event.seq)
        if state.boards[event.missionID] == nil {
            state.order.append(event.missionID)
            state.boards[event.missionID] = Whiteboard(missionID: event.missionID)
        }
        WhiteboardReducer.reduce(into: &state.boards[event.missionID]!, event)
        if case .created(let created) = event.body, let key = created.idempotencyKey {
            state.idempotency[key] = event.missionID
        }
    }

    public func whiteboard(_ missionID: String) -> Whiteboard? {
        state.withLock { $0.boards[missionID] }
    }

    /// The seq of the last record folded in.
    public var appliedSeq: Int { state.withLock { $0.appliedSeq } }

    public var count: Int { state.withLock { $0.order.count } }

    public func mission(forIdempotencyKey key: String) -> String? {
        state.withLock { $0.idempotency[key] }
    }

    /// Records that could not be read as mission events: (seq, why).
    public var undecodable: [(seq: Int, reason: String)] { state.withLock { $0.undecodable } }

    /// Newest first, optionally of one status: one page of whiteboards and the total matching.
    public func list(status: MissionStatus? = nil, limit: Int = 50, offset: Int = 0) -> (missions: [Whiteboard], total: Int) {
        state.withLock { state in
            var page: [Whiteboard] = []
            var total = 0
            for id in state.order.reversed() {
                guard let board = state.boards[id], board.isCreated else { continue }
                if let status, board.status != status { continue }
                if total >= offset && page.count < limit { page.append(board) }
                total += 1
            }
            return (page, total)
        }
    }

    /// Every mission in creation order (recovery, checkpoints).
    public func all() -> [Whiteboard] {
        state.withLock { state in state.order.compactMap { state.boards[$0] } }
    }

    public func countsByStatus() -> [MissionStatus: Int] {
        state.withLock { state in
            var counts: [MissionStatus: Int] = [:]
            for board in state.boards.values where board.isCreated { counts[board.status, default: 0] += 1 }
            return counts
        }
    }
}
