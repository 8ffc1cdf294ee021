import MissionModel
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
