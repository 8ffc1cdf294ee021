import MissionModel
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

    public let log: any RecordLog

    /// Nobody waits for a signal's sync, so a batch of them waits longer for company than the
    /// missions log's records do: fewer syncs, each of more signals.
    public static let logLimits: JSONLLog.Limits = {
        var limits = JSONLLog.Limits()
        limits.lingerWithoutWaiters = .milliseconds(10)
        return limits
    }()

    public init(log: any RecordLog) {
        self.log = log
    }

    /// Queues a signal for the log's next group commit and returns without waiting for the
    /// sync. Signals are learning data that no answer refers to, so an answer (whose mission
    /// records *are* synced first) never waits for them; `close` syncs what is queued.
    /// Returns the ticket of its commit.
    @discardableResult
    public func emit(_ type: SignalType, missionID: String?, at timestamp: Timestamp = .now(),
                     _ fields: JSONObject = JSONObject()) throws -> LogTicket {
        try log.enqueue([Self.logRecord(type, missionID: missionID, at: timestamp, fields)])
    }

    /// One signal of a batch for `emit(_:)`.
    public struct Signal: Sendable {
        public var type: SignalType
        public var missionID: String?
        public var at: Timestamp
        public var fields: JSONObject

        public init(type: SignalType, missionID: String?, at: Timestamp = .now(), fields: JSONObject = JSONObject()) {
            self.type = type
            self.missionID = missionID
            self.at = at
            self.fields = fields
        }
    }

    /// Queues several signals at once, in order: one lock, one wake of the writer.
    public func emit(_ signals: [Signal]) throws {
        guard !signals.isEmpty else { return }
        _ = try log.enqueue(signals.map { Self.logRecord($0.type, missionID: $0.missionID, at: $0.at, $0.fields) })
    }

    /// A signal as a record of the log: keyed by its mission, and kept as its line only (nobody
    /// reads a signal back from its entry).
    static func logRecord(_ type: SignalType, missionID: String?, at timestamp: Timestamp, _ fields: JSONObject) -> LogRecord {
        LogRecord(body: JSONWriter.encode(record(type, missionID: missionID, at: timestamp, fields)), key: missionID)
    }

    static func record(_ type: SignalType, missionID: String?, at timestamp: Timestamp, _ fields: JSONObject) -> JSONObject {
        var record: JSONObject = ["timestamp": .timestamp(timestamp), "signal_type": .string(type.rawValue)]
        record.set("mission_id", missionID.map(JSONValue.string))
        record.members += fields.members
        return record
    }
}
