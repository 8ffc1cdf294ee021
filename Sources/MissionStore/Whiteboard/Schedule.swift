import MissionModel
/// A schedule (CONTRACT §9): a cron expression and the mission to create at each of its times.
/// Schedules are records in the missions log with no `mission_id`: `schedule_created` and
/// `schedule_deleted`, so that they hold across restarts and on every node.
public struct Schedule: Sendable, Hashable {
    public static let createdType = "schedule_created"
    public static let deletedType = "schedule_deleted"

    public var scheduleID: String
    public var cron: CronExpression
    public var name: String?
    /// The mission to create, as a `POST /api/missions` body.
    public var mission: JSONObject
    public var createdAt: Timestamp
    /// The seq of its `schedule_created` record (0 before it has one): retention keeps the
    /// segment that holds it while the schedule lives (CONTRACT §10).
    public var seq = 0

    public init(scheduleID: String, cron: CronExpression, name: String?, mission: JSONObject, createdAt: Timestamp) {
        self.scheduleID = scheduleID
        self.cron = cron
        self.name = name
        self.mission = mission
        self.createdAt = createdAt
    }

    /// What a record of the log says about schedules, if it is one of theirs.
    public enum Change: Sendable {
        case created(Schedule)
        case deleted(String)
    }

    /// Reads a `schedule_created` or `schedule_deleted` record; nil for any other type.
    public static func change(_ type: String, _ record: JSONObject) throws(RecordError) -> Change? {
        switch type {
        case createdType:
            let text = try record.requiredString("cron")
            let cron: CronExpression
            do { cron = try CronExpression(parsing: text) } catch { throw .invalidValue(field: "cron", reason: error.description) }
            guard let mission = try record.optionalObject("mission") else { throw .missingField("mission") }
            guard let createdAt = try record.optionalTimestamp("timestamp") else { throw .missingField("timestamp") }
            var schedule = Schedule(scheduleID: try record.requiredString("schedule_id"), cron: cron, name: try record.optionalString("name"),
                                    mission: mission, createdAt: createdAt)
            schedule.seq = record["seq"]?.intValue ?? 0
            return .created(schedule)
        case deletedType:
            return .deleted(try record.requiredString("schedule_id"))
        default:
            return nil
        }
    }

    /// The `schedule_created` record (its seq is the log's to give).
    public var createdRecord: LogRecord {
        var object: JSONObject = ["timestamp": .timestamp(createdAt), "event_type": .string(Self.createdType),
                                  "schedule_id": .string(scheduleID), "cron": .string(cron.text)]
        object.set("name", name.map(JSONValue.string))
        object["mission"] = .object(mission)
        return LogRecord(body: JSONWriter.encode(object), key: nil)
    }

    public static func deletedRecord(_ scheduleID: String, at timestamp: Timestamp) -> LogRecord {
        LogRecord(body: JSONWriter.encode(["timestamp": .timestamp(timestamp), "event_type": .string(deletedType),
                                           "schedule_id": .string(scheduleID)]), key: nil)
    }

    /// The API's view (`GET /api/schedules`), with the next time it fires after `now`.
    public func json(now: Timestamp) -> JSONObject {
        var object: JSONObject = ["schedule_id": .string(scheduleID), "name": name.map(JSONValue.string) ?? .null,
                                  "cron": .string(cron.text), "mission": .object(mission), "created_at": .timestamp(createdAt)]
        object["next_run_at"] = cron.next(after: max(now, createdAt)).map(JSONValue.timestamp) ?? .null
        return object
    }
}
