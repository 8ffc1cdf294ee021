/// `intent` of an envelope, and of a `mission_created` record made from chat.
public struct IntentSummary: Sendable, Hashable, JSONMembers {
    public var name: String
    public var confidence: Double
    public var reason: String

    public init(name: String, confidence: Double, reason: String) {
        self.name = name
        self.confidence = confidence
        self.reason = reason
    }

    package init(json: JSONObject) throws(RecordError) {
        name = try json.requiredString("name")
        confidence = try json.optionalDouble("confidence") ?? 0
        reason = try json.optionalString("reason") ?? ""
    }

    public func members<Sink: JSONMemberSink>(into sink: inout Sink) {
        sink.member("name", .string(name))
        sink.member("confidence", .double(confidence))
        sink.member("reason", .string(reason))
    }
}
