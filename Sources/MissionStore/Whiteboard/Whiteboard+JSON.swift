import MissionModel
extension Whiteboard {
    /// The contract's whiteboard shape (CONTRACT §3); every key present, null where unknown.
    public var json: JSONObject {
        [
            "mission_id": .string(missionID),
            "status": .string(status.rawValue),
            "objective": objective.map { .object($0.json) } ?? .null,
            "constraints": constraints.map { .object($0.json) } ?? .null,
            "priority": .int(priority),
            "created_at": createdAt.map(JSONValue.timestamp) ?? .null,
            "start_time": startTime.map(JSONValue.timestamp) ?? .null,
            "end_time": endTime.map(JSONValue.timestamp) ?? .null,
            "duration_ms": durationMs.map { .int(Int($0)) } ?? .null,
            "attempts": .int(attempts),
            "progress": progress.map { .object(["phase": .string($0.phase), "message": .string($0.message)]) } ?? .null,
            "artifacts": .array(artifacts.map { .object(["kind": .string($0.kind), "uri": .string($0.uri)]) }),
            "execution_result": executionResult.map { .object($0.json) } ?? .null,
            "last_seq": .int(lastSeq),
            "event_count": .int(eventCount),
            "timeline": .array(timeline.map { .object($0.json) }),
        ]
    }

    /// The list view of a mission (CONTRACT §4, `GET /api/missions`).
    public var summaryJSON: JSONObject {
        [
            "mission_id": .string(missionID),
            "status": .string(status.rawValue),
            "objective_type": objective.map { .string($0.type) } ?? .null,
            "description": objective.map { .string($0.description) } ?? .null,
            "priority": .int(priority),
            "created_at": createdAt.map(JSONValue.timestamp) ?? .null,
            "updated_at": updatedAt.map(JSONValue.timestamp) ?? .null,
            "attempts": .int(attempts),
        ]
    }
}

extension Whiteboard.TimelineEntry {
    var json: JSONObject {
        var object: JSONObject = [
            "seq": .int(seq),
            "timestamp": .timestamp(timestamp),
            "event_type": .string(eventType),
        ]
        if let key = labelKind.key { object[key] = .string(label) }
        object["message"] = .string(message)
        return object
    }
}
