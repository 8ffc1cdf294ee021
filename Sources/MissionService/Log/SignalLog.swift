/// `learning_signals.jsonl`: what the service learned from each message and mission.
public final class SignalLog: Sendable {
    public enum SignalType: String, Sendable {
        case intentClassified = "intent_classified"
        case missionProposed = "mission_proposed"
        case missionExecuted = "mission_executed"
        case missionCancelled = "mission_cancelled"
        case missionRetried = "mission_retried"
        case duplicateSuppressed = "duplicate_suppressed"
    }

    public let log: JSONLLog

    public init(log: JSONLLog) {
        self.log = log
    }

    /// Appends a signal and returns once it is durable.
    @discardableResult
    public func emit(_ type: SignalType, missionID: String?, at timestamp: Timestamp = .now(),
                     _ fields: JSONObject = JSONObject()) async throws -> LogEntry {
        var record: JSONObject = ["timestamp": .timestamp(timestamp), "signal_type": .string(type.rawValue)]
        record.set("mission_id", missionID.map(JSONValue.string))
        record.members += fields.members
        return try await log.append(record)
    }
}
