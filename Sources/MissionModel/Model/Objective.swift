/// What a mission is for: `type` picks the tool (CONTRACT §7), `description` is its input.
public struct Objective: Sendable, Hashable, JSONMembers {
    public var type: String
    public var description: String

    public init(type: String, description: String) {
        self.type = type
        self.description = description
    }

    package init(json: JSONObject) throws(RecordError) {
        type = try json.requiredString("type")
        description = try json.optionalString("description") ?? ""
    }

    public func members<Sink: JSONMemberSink>(into sink: inout Sink) {
        sink.member("type", .string(type))
        sink.member("description", .string(description))
    }
}
