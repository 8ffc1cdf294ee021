import MissionStore
/// A WebSocket room (CONTRACT §5): which log it follows and which of its records it carries.
enum LiveRoom: Hashable, Sendable {
    /// Every missions.jsonl record.
    case missions
    /// One mission's records.
    case mission(String)
    /// Every learning_signals.jsonl record.
    case signals

    init?(_ name: String) {
        switch name {
        case "missions": self = .missions
        case "signals": self = .signals
        default:
            guard name.hasPrefix("mission:"), name.count > 8, name.utf8.count <= 200 else { return nil }
            self = .mission(String(name.dropFirst(8)))
        }
    }

    var name: String {
        switch self {
        case .missions: return "missions"
        case .signals: return "signals"
        case .mission(let id): return "mission:" + id
        }
    }

    func carries(_ entry: LogEntry) -> Bool {
        switch self {
        case .missions, .signals: return true
        case .mission(let id): return entry.missionID == id
        }
    }
}
