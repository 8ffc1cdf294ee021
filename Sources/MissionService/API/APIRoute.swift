/// The routes of CONTRACT §4, matched from a request path.
enum APIRoute: Equatable {
    case chat
    case missions
    case whiteboard(String)
    case events(String)
    case cancel(String)
    case missionEvent
    case health
    case metrics

    init?(path: String) {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map { HTTPRequest.percentDecoded($0) }
        switch segments {
        case ["chat", "integrated"]: self = .chat
        case ["api", "missions"]: self = .missions
        case ["api", "internal", "mission-event"]: self = .missionEvent
        case ["health"]: self = .health
        case ["metrics"]: self = .metrics
        default:
            guard segments.count >= 3, segments[0] == "api", !segments[2].isEmpty else { return nil }
            switch (segments[1], segments.count, segments.last!) {
            case ("whiteboard", 3, _): self = .whiteboard(segments[2])
            case ("missions", 4, "events"): self = .events(segments[2])
            case ("missions", 4, "cancel"): self = .cancel(segments[2])
            default: return nil
            }
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
        case .missionEvent: return "/api/internal/mission-event"
        case .health: return "/health"
        case .metrics: return "/metrics"
        }
    }

    /// Methods the route answers; HEAD wherever GET is (RFC 9110 §9.3.2).
    var methods: [String] {
        switch self {
        case .chat, .cancel, .missionEvent: return ["POST"]
        case .missions: return ["GET", "HEAD", "POST"]
        case .whiteboard, .events, .health, .metrics: return ["GET", "HEAD"]
        }
    }
}
