public struct Artifact: Sendable, Hashable {
    public var kind: String
    public var uri: String
    public var metadata: JSONObject?

    public init(kind: String, uri: String, metadata: JSONObject? = nil) {
        self.kind = kind
        self.uri = uri
        self.metadata = metadata
    }

    init(json: JSONObject) throws(RecordError) {
        kind = try json.requiredString("kind")
        uri = try json.requiredString("uri")
        metadata = try json.optionalObject("metadata")
    }

    var json: JSONObject {
        var object: JSONObject = ["kind": .string(kind), "uri": .string(uri)]
        object.set("metadata", metadata.map(JSONValue.object))
        return object
    }
}
