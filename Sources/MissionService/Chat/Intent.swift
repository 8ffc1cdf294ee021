/// What a chat message asks for, as the classifier understood it (CONTRACT §4).
public struct Intent: Sendable, Hashable {
    public enum Name: String, Sendable, CaseIterable {
        case echo, fetch
        case runCommand = "run_command"
        case missionStatus = "mission_status"
        case cancelMission = "cancel_mission"
        case listMissions = "list_missions"
        case greeting, help, unclear, empty
        case tooLong = "too_long"
    }

    /// What the orchestrator should do about it.
    public enum Action: Sendable, Hashable {
        case createMission(Objective, Constraints)
        case status(missionID: String?)
        case cancel(missionID: String?)
        case list(MissionStatus?)
        /// Nothing to act on: answer with this text.
        case reply(String)
    }

    public var name: Name
    public var confidence: Double
    /// Why the classifier decided so, in words a person can check.
    public var reason: String
    public var action: Action

    /// The part that goes into envelopes and signals: `{name, confidence, reason}`.
    public var summary: IntentSummary { IntentSummary(name: name.rawValue, confidence: confidence, reason: reason) }
}

/// `intent` of an envelope, and of a `mission_created` record made from chat.
public struct IntentSummary: Sendable, Hashable, JSONMembers {
    public var name: String
    public var confidence: Double
    public var reason: String

    public init(name: String, confidence: Double, reason: String) {
        self.name = name
        self.confidence = confidence
        self.reason = reason
    }

    init(json: JSONObject) throws(RecordError) {
        name = try json.requiredString("name")
        confidence = try json.optionalDouble("confidence") ?? 0
        reason = try json.optionalString("reason") ?? ""
    }

    public func members<Sink: JSONMemberSink>(into sink: inout Sink) {
        sink.member("name", .string(name))
        sink.member("confidence", .double(confidence))
        sink.member("reason", .string(reason))
    }
}
