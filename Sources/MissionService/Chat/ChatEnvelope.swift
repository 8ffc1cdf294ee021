import MissionModel
/// The answer to a chat message or an API mission request (CONTRACT §4). Every key is always
/// present, null where it does not apply.
public struct ChatEnvelope: Sendable, Hashable, JSONMembers {
    public enum Kind: String, Sendable, Hashable {
        case missionStarted = "mission_started"
        case missionDeduplicated = "mission_deduplicated"
        case missionStatus = "mission_status"
        case missionCancelled = "mission_cancelled"
        case missionList = "mission_list"
        case reply
    }

    public var type: Kind
    public var sessionID: String
    public var intent: IntentSummary
    public var message: String
    public var missionID: String?
    public var status: MissionStatus?

    public init(type: Kind, sessionID: String, intent: IntentSummary, message: String, missionID: String? = nil, status: MissionStatus? = nil) {
        self.type = type
        self.sessionID = sessionID
        self.intent = intent
        self.message = message
        self.missionID = missionID
        self.status = status
    }

    public var whiteboardURL: String? { missionID.map { "/api/whiteboard/\($0)" } }

    /// 202 for a new mission (with `Location: whiteboardURL`), 200 for everything else.
    public var httpStatus: Int { type == .missionStarted ? 202 : 200 }

    public func members<Sink: JSONMemberSink>(into sink: inout Sink) {
        sink.member("type", .string(type.rawValue))
        sink.member("session_id", .string(sessionID))
        sink.member("intent", intent)
        sink.member("message", .string(message))
        sink.member("mission_id", missionID.map(JSONValue.string) ?? .null)
        sink.member("status", status.map { .string($0.rawValue) } ?? .null)
        sink.member("whiteboard_url", whiteboardURL.map(JSONValue.string) ?? .null)
    }
}
