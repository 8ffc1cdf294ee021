/// One record of `missions.jsonl` (CONTRACT §2), typed. `seq` is 0 until the log assigns it.
public struct MissionEvent: Sendable, Hashable, JSONMembers {
    public var seq: Int
    public var timestamp: Timestamp
    public var missionID: String
    public var body: Body

    public enum Body: Sendable, Hashable {
        case created(MissionCreated)
        case status(StatusUpdate)
        case progress(MissionProgress)
        case artifact(Artifact)
        /// A try to call the mission's `callback_url` back (CONTRACT §9).
        case callback(CallbackAttempt)
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
        case .callback: return "mission_callback"
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
        case "mission_progress": body = .progress(try MissionProgress(json: record))
        case "mission_artifact": body = .artifact(try Artifact(json: record))
        case "mission_callback": body = .callback(try CallbackAttempt(json: record))
        default: body = .other(eventType: eventType, message: try record.optionalString("message"))
        }
    }

    /// The record as written, without `seq` (the log prepends it).
    public var record: JSONObject { json }

    /// The record's members: the common three, then the body's own, in one flat object.
    public func members<Sink: JSONMemberSink>(into sink: inout Sink) {
        sink.member("timestamp", .timestamp(timestamp))
        sink.member("event_type", .string(eventType))
        sink.member("mission_id", .string(missionID))
        switch body {
        case .created(let created): created.members(into: &sink)
        case .status(let update): update.members(into: &sink)
        case .progress(let progress): progress.members(into: &sink)
        case .artifact(let artifact): artifact.members(into: &sink)
        case .callback(let attempt): attempt.members(into: &sink)
        case .other(_, let message): sink.member("message", ifPresent: message.map(JSONValue.string))
        }
    }
}
