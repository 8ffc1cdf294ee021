public struct StatusUpdate: Sendable, Hashable {
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

    init(json: JSONObject) throws(RecordError) {
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

    var json: JSONObject {
        var object: JSONObject = ["status": .string(status.rawValue), "reason": .string(reason)]
        object.set("attempt", attempt.map(JSONValue.int))
        object.set("completed_at", completedAt.map(JSONValue.timestamp))
        object.set("execution_result", executionResult.map { .object($0.json) })
        object.set("error", error.map(JSONValue.string))
        return object
    }
}
