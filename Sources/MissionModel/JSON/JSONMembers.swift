/// A value whose JSON form is an object, with its members described once for two sinks: the
/// byte writer (records on the hot path go straight to bytes, without a `JSONObject` and its
/// allocations in between) and `JSONObjectBuilder` (for `json`, which the API and tools use).
public protocol JSONMembers {
    func members<Sink: JSONMemberSink>(into sink: inout Sink)
}

/// Where members go, in order. Keys are unique within an object.
public protocol JSONMemberSink {
    mutating func member(_ key: String, _ value: JSONValue)
    mutating func member(_ key: String, _ object: some JSONMembers)
}

extension JSONMemberSink {
    /// Only a present value is written, as `JSONObject.set` does.
    public mutating func member(_ key: String, ifPresent value: JSONValue?) {
        if let value { member(key, value) }
    }

    public mutating func member(_ key: String, ifPresent object: (some JSONMembers)?) {
        if let object { member(key, object) }
    }
}

extension JSONMembers {
    public var json: JSONObject {
        var builder = JSONObjectBuilder()
        members(into: &builder)
        return builder.object
    }
}

/// Collects members into a `JSONObject`.
public struct JSONObjectBuilder: JSONMemberSink {
    public private(set) var object = JSONObject()

    public mutating func member(_ key: String, _ value: JSONValue) {
        object.members.append(JSONObject.Member(key: key, value: value))
    }

    public mutating func member(_ key: String, _ nested: some JSONMembers) {
        member(key, .object(nested.json))
    }
}
