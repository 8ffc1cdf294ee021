/// Where a mission came from: the channel and, for chat, the session and message.
public struct MissionSource: Sendable, Hashable {
    public enum Channel: String, Sendable { case chat, api, cli, ws }

    public var channel: String
    public var sessionID: String?
    public var messageID: String?

    public init(channel: Channel, sessionID: String? = nil, messageID: String? = nil) {
        self.channel = channel.rawValue
        self.sessionID = sessionID
        self.messageID = messageID
    }

    init(json: JSONObject) throws(RecordError) {
        channel = try json.optionalString("channel") ?? "api"
        sessionID = try json.optionalString("session_id")
        messageID = try json.optionalString("message_id")
    }

    public var json: JSONObject {
        var object: JSONObject = ["channel": .string(channel)]
        object.set("session_id", sessionID.map(JSONValue.string))
        object.set("message_id", messageID.map(JSONValue.string))
        return object
    }
}
