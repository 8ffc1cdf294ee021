public struct MissionProgress: Sendable, Hashable, JSONMembers {
    public var phase: String
    public var message: String
    public var metadata: JSONObject?

    public init(phase: String, message: String, metadata: JSONObject? = nil) {
        self.phase = phase
        self.message = message
        self.metadata = metadata
    }

    package init(json: JSONObject) throws(RecordError) {
        phase = try json.optionalString("phase") ?? ""
        message = try json.optionalString("message") ?? ""
        metadata = try json.optionalObject("metadata")
    }

    public func members<Sink: JSONMemberSink>(into sink: inout Sink) {
        sink.member("phase", .string(phase))
        sink.member("message", .string(message))
        sink.member("metadata", ifPresent: metadata.map(JSONValue.object))
    }
}
