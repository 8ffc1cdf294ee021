/// The routes of CONTRACT §4, matched from a request path.
enum APIRoute: Equatable {
    case chat
    case missions
    case whiteboard(String)
    case events(String)
    case cancel(String)
    /// An operator's approve, reject, pause or resume (CONTRACT §9).
    case control(String, MissionExecutor.OperatorAction)
    case rerun(String)
    /// `POST /api/queue/pause` (true) and `/resume` (false).
    case queue(paused: Bool)
    /// `GET`, `POST /api/schedules`; `DELETE /api/schedules/{id}` (CONTRACT §9).
    case schedules
    case schedule(String)
    case missionEvent
    case health
    case metrics
    /// The dashboard page and its files.
    case dashboard(DashboardAsset)

    init?(path: String) {
        // The most frequent request first, before a string comparison with every fixed path.
        if let rest = Self.suffix(of: path, after: "/api/whiteboard/"), !rest.utf8.contains(UInt8(ascii: "/")) {
            guard let id = Self.id(rest) else { return nil }
            self = .whiteboard(id)
            return
        }
        switch path {
        case "/chat/integrated": self = .chat
        case "/api/missions": self = .missions
        case "/api/internal/mission-event": self = .missionEvent
        case "/api/queue/pause": self = .queue(paused: true)
        case "/api/queue/resume": self = .queue(paused: false)
        case "/api/schedules": self = .schedules
        case "/health": self = .health
        case "/metrics": self = .metrics
        case "/": self = .dashboard(.page)
        case "/dashboard.js": self = .dashboard(.script)
        case "/dashboard.css": self = .dashboard(.style)
        case "/favicon.svg": self = .dashboard(.icon)
        default:
            // Matched on the raw path (every request comes here); only an id is percent-decoded.
            // Bytes, not Foundation's `contains(String)`, which searches through CFString.
            if let rest = Self.suffix(of: path, after: "/api/schedules/"), !rest.utf8.contains(UInt8(ascii: "/")) {
                guard let id = Self.id(rest) else { return nil }
                self = .schedule(id)
            } else if let rest = Self.suffix(of: path, after: "/api/missions/") {
                let parts = rest.split(separator: "/", omittingEmptySubsequences: false)
                guard parts.count == 2, let id = Self.id(parts[0]) else { return nil }
                switch parts[1] {
                case "events": self = .events(id)
                case "cancel": self = .cancel(id)
                case "rerun": self = .rerun(id)
                default:
                    guard let action = MissionExecutor.OperatorAction(rawValue: String(parts[1])) else { return nil }
                    self = .control(id, action)
                }
            } else {
                return nil
            }
        }
    }

    private static func suffix(of path: String, after prefix: String) -> Substring? {
        path.hasPrefix(prefix) ? path.dropFirst(prefix.count) : nil
    }

    private static func id(_ segment: Substring) -> String? {
        guard !segment.isEmpty else { return nil }
        return segment.utf8.contains(UInt8(ascii: "%")) ? HTTPRequest.percentDecoded(segment) : String(segment)
    }

    /// Routes that a read token does not close (CONTRACT §9): liveness, and the dashboard's
    /// page and files (the page asks for a token itself).
    var isOpen: Bool {
        switch self {
        case .health, .dashboard: return true
        default: return false
        }
    }

    /// The pattern, as metrics and access logs name the route.
    var pattern: String {
        switch self {
        case .chat: return "/chat/integrated"
        case .missions: return "/api/missions"
        case .whiteboard: return "/api/whiteboard/{id}"
        case .events: return "/api/missions/{id}/events"
        case .cancel: return "/api/missions/{id}/cancel"
        case .control(_, let action): return "/api/missions/{id}/\(action.rawValue)"
        case .rerun: return "/api/missions/{id}/rerun"
        case .queue(let paused): return paused ? "/api/queue/pause" : "/api/queue/resume"
        case .schedules: return "/api/schedules"
        case .schedule: return "/api/schedules/{id}"
        case .missionEvent: return "/api/internal/mission-event"
        case .health: return "/health"
        case .metrics: return "/metrics"
        case .dashboard(let asset): return asset.path
        }
    }

    /// Methods the route answers; HEAD wherever GET is (RFC 9110 §9.3.2).
    /// Shared lists, so that checking a request's method allocates nothing.
    var methods: [String] {
        switch self {
        case .chat, .cancel, .control, .rerun, .queue, .missionEvent: return Self.postOnly
        case .missions, .schedules: return Self.readAndPost
        case .schedule: return Self.deleteOnly
        case .whiteboard, .events, .health, .metrics, .dashboard: return Self.readOnly
        }
    }

    private static let postOnly = ["POST"]
    private static let readAndPost = ["GET", "HEAD", "POST"]
    private static let readOnly = ["GET", "HEAD"]
    private static let deleteOnly = ["DELETE"]
}
