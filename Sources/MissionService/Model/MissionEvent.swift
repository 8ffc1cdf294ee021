/// One record of `missions.jsonl` (CONTRACT §2), typed. `seq` is 0 until the log assigns it.
public struct MissionEvent: Sendable, Hashable {
    public var seq: Int
    public var timestamp: Timestamp
    public var missionID: String
    public var body: Body

    public enum Body: Sendable, Hashable {
        case created(MissionCreated)
        case status(StatusUpdate)
        case progress(Progress)
        case artifact(Artifact)
        /// An event type this version does not know; it still counts and shows in the timeline.
        case other(eventType: String, message: String?)
    }

    public init(seq: Int = 0, timestamp: Timestamp, missionID: String, body: Body) {
        self.seq = seq
        self.timestamp = timestamp
        self.missionID = missionID
        self.body = body
    }

    public var eventType: String {
        switch body {
        case .created: return "mission_created"
        case .status: return "mission_status_update"
        case .progress: return "mission_progress"
        case .artifact: return "mission_artifact"
        case .other(let eventType, _): return eventType
        }
    }

    /// Decodes a stored record; `seq` is the record's line number when the line has none.
    public init(record: JSONObject, seq: Int) throws(RecordError) {
        self.seq = seq
        missionID = try record.requiredString("mission_id")
        guard let timestamp = try record.optionalTimestamp("timestamp") else { throw .missingField("timestamp") }
        self.timestamp = timestamp
        let eventType = try record.requiredString("event_type")
        switch eventType {
        case "mission_created": body = .created(try MissionCreated(json: record))
        case "mission_status_update": body = .status(try StatusUpdate(json: record))
        case "mission_progress": body = .progress(try Progress(json: record))
        case "mission_artifact": body = .artifact(try Artifact(json: record))
        default: body = .other(eventType: eventType, message: try record.optionalString("message"))
        }
    }

    /// The record as written, without `seq` (the log prepends it).
    public var record: JSONObject {
        var object: JSONObject = [
            "timestamp": .timestamp(timestamp),
            "event_type": .string(eventType),
            "mission_id": .string(missionID),
        ]
        switch body {
        case .created(let created): object.members += created.json.members
        case .status(let update): object.members += update.json.members
        case .progress(let progress): object.members += progress.json.members
        case .artifact(let artifact): object.members += artifact.json.members
        case .other(_, let message): object.set("message", message.map(JSONValue.string))
        }
        return object
    }
}

public struct MissionCreated: Sendable, Hashable {
    public static let defaultPriority = 0

    public var objective: Objective
    public var constraints: Constraints
    public var priority: Int
    public var source: MissionSource
    public var dedupKey: String
    public var idempotencyKey: String?

    public init(objective: Objective, constraints: Constraints, priority: Int = defaultPriority,
                source: MissionSource, idempotencyKey: String? = nil) {
        self.objective = objective
        self.constraints = constraints
        self.priority = priority
        self.source = source
        self.dedupKey = DedupKey.make(objective: objective, constraints: constraints)
        self.idempotencyKey = idempotencyKey
    }

    init(json: JSONObject) throws(RecordError) {
        guard let objective = try json.optionalObject("objective") else { throw .missingField("objective") }
        self.objective = try Objective(json: objective)
        constraints = try Constraints(json: try json.optionalObject("constraints") ?? JSONObject())
        priority = try json.optionalInt("priority") ?? Self.defaultPriority
        source = try MissionSource(json: try json.optionalObject("source") ?? ["channel": .string("chat")])
        dedupKey = try json.optionalString("dedup_key") ?? DedupKey.make(objective: self.objective, constraints: constraints)
        idempotencyKey = try json.optionalString("idempotency_key")
    }

    var json: JSONObject {
        var object: JSONObject = [
            "objective": .object(objective.json),
            "constraints": .object(constraints.json),
            "priority": .int(priority),
            "source": .object(source.json),
            "dedup_key": .string(dedupKey),
        ]
        object.set("idempotency_key", idempotencyKey.map(JSONValue.string))
        return object
    }
}

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

public struct Progress: Sendable, Hashable {
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
