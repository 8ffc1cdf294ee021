/// The payload of `mission_callback` (CONTRACT §9): one try to tell a mission's `callback_url`
/// that it ended. `statusCode` when the server answered, `error` when it could not be reached.
public struct CallbackAttempt: Sendable, Hashable, JSONMembers {
    public var url: String
    public var attempt: Int
    public var statusCode: Int?
    public var error: String?
    public var delivered: Bool

    public init(url: String, attempt: Int, statusCode: Int? = nil, error: String? = nil, delivered: Bool) {
        self.url = url
        self.attempt = attempt
        self.statusCode = statusCode
        self.error = error
        self.delivered = delivered
    }

    package init(json: JSONObject) throws(RecordError) {
        url = try json.requiredString("url")
        attempt = try json.optionalInt("attempt") ?? 1
        statusCode = try json.optionalInt("status_code")
        error = try json.optionalString("error")
        delivered = try json.optionalBool("delivered") ?? false
    }

    public func members<Sink: JSONMemberSink>(into sink: inout Sink) {
        sink.member("url", .string(url))
        sink.member("attempt", .int(attempt))
        sink.member("status_code", ifPresent: statusCode.map(JSONValue.int))
        sink.member("error", ifPresent: error.map(JSONValue.string))
        sink.member("delivered", .bool(delivered))
    }

    /// One line for a timeline or a tail.
    public var summary: String {
        let outcome = statusCode.map { "HTTP \($0)" } ?? error ?? "no answer"
        return "callback try \(attempt): \(outcome)\(delivered ? ", delivered" : "")"
    }
}
