import MissionStore
public enum Submission: Sendable {
    case created(Whiteboard)
    /// An identical mission (same dedup key) is already queued or running; nothing was created.
    case deduplicated(Whiteboard)

    public var whiteboard: Whiteboard {
        switch self {
        case .created(let board), .deduplicated(let board): return board
        }
    }
}
