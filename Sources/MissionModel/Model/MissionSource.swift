/// Where a mission came from: the channel and, for chat, the session and message.
public struct MissionSource: Sendable, Hashable, JSONMembers {
    public enum Channel: String, Sendable { case chat, api, cli, ws, schedule }

    public var channel: String
    public var sessionID: String?
    public var messageID: String?

    public init(channel: Channel, sessionID: String? = nil, messageID: String? = nil) {
        self.channel = channel.rawValue
        self.sessionID = sessionID
        self.messageID = messageID
    }

    package init(json: JSONObject) throws(RecordError) {
        channel = try json.optionalString("channel") ?? "api"
        sessionID = try json.optionalString("session_id")
        messageID = try json.optionalString("message_id")
    }

    public func members<Sink: JSONMemberSink>(into sink: inout Sink) {
        sink.member("channel", .string(channel))
        sink.member("session_id", ifPresent: sessionID.map(JSONValue.string))
        sink.member("message_id", ifPresent: messageID.map(JSONValue.string))
    }
}
