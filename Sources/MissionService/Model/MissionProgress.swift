public struct MissionProgress: Sendable, Hashable {
    public var phase: String
    public var message: String
    public var metadata: JSONObject?

    public init(phase: String, message: String, metadata: JSONObject? = nil) {
        self.phase = phase
        self.message = message
        self.metadata = metadata
    }

    init(json: JSONObject) throws(RecordError) {
        phase = try json.optionalString("phase") ?? ""
        message = try json.optionalString("message") ?? ""
        metadata = try json.optionalObject("metadata")
    }

    var json: JSONObject {
        var object: JSONObject = ["phase": .string(phase), "message": .string(message)]
        object.set("metadata", metadata.map(JSONValue.object))
        return object
    }
}
