public struct Artifact: Sendable, Hashable, JSONMembers {
    public var kind: String
    public var uri: String
    public var metadata: JSONObject?

    public init(kind: String, uri: String, metadata: JSONObject? = nil) {
        self.kind = kind
        self.uri = uri
        self.metadata = metadata
    }

    package init(json: JSONObject) throws(RecordError) {
        kind = try json.requiredString("kind")
        uri = try json.requiredString("uri")
        metadata = try json.optionalObject("metadata")
    }

    public func members<Sink: JSONMemberSink>(into sink: inout Sink) {
        sink.member("kind", .string(kind))
        sink.member("uri", .string(uri))
        sink.member("metadata", ifPresent: metadata.map(JSONValue.object))
    }
}
