import MissionModel
extension Whiteboard {
    /// The contract's whiteboard shape (CONTRACT §3); every key present, null where unknown.
    /// `waiting_for` is the live view's answer (CONTRACT §9): null here, as in `at_seq` answers.
    public var json: JSONObject { json(waitingFor: nil) }

    /// The whiteboard as the live view shows it, with why it waits (`waitingFor`).
    public func json(waitingFor: String?) -> JSONObject {
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
            "run_at": runAt.map(JSONValue.timestamp) ?? .null,
            "requires_approval": .bool(requiresApproval),
            "parent_id": parentID.map(JSONValue.string) ?? .null,
            "after": .strings(after),
            "schedule_id": scheduleID.map(JSONValue.string) ?? .null,
            "concurrency_key": concurrencyKey.map(JSONValue.string) ?? .null,
            "waiting_for": waitingFor.map(JSONValue.string) ?? .null,
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
            "created_seq": createdSeq.map(JSONValue.int) ?? .null,
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
