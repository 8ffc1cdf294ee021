public struct StatusUpdate: Sendable, Hashable, JSONMembers {
    public var status: MissionStatus
    public var reason: String
    public var attempt: Int?
    public var completedAt: Timestamp?
    public var executionResult: ExecutionResult?
    /// Why an attempt failed when it is retried (terminal failures carry it in `execution_result`).
    public var error: String?

    public init(status: MissionStatus, reason: String, attempt: Int?, completedAt: Timestamp? = nil,
                executionResult: ExecutionResult? = nil, error: String? = nil) {
        self.status = status
        self.reason = reason
        self.attempt = attempt
        self.completedAt = completedAt
        self.executionResult = executionResult
        self.error = error
    }

    package init(json: JSONObject) throws(RecordError) {
        let text = try json.requiredString("status")
        guard let status = MissionStatus(rawValue: text) else {
            throw .invalidValue(field: "status", reason: "'\(text)' is not one of queued, active, completed, failed, cancelled")
        }
        self.status = status
        reason = try json.optionalString("reason") ?? ""
        attempt = try json.optionalInt("attempt")
        completedAt = try json.optionalTimestamp("completed_at")
        executionResult = try json.optionalObject("execution_result").map { (object) throws(RecordError) in try ExecutionResult(json: object) }
        error = try json.optionalString("error")
    }

    public func members<Sink: JSONMemberSink>(into sink: inout Sink) {
        sink.member("status", .string(status.rawValue))
        sink.member("reason", .string(reason))
        sink.member("attempt", ifPresent: attempt.map(JSONValue.int))
        sink.member("completed_at", ifPresent: completedAt.map(JSONValue.timestamp))
        sink.member("execution_result", ifPresent: executionResult)
        sink.member("error", ifPresent: error.map(JSONValue.string))
    }
}
