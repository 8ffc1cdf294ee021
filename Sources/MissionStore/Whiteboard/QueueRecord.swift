import MissionModel
/// The records of the queue as a whole (CONTRACT §9): `queue_paused` and `queue_resumed`, in the
/// missions log with no `mission_id`, so that a pause holds across restarts and nodes.
public enum QueueRecord {
    public static let pausedType = "queue_paused"
    public static let resumedType = "queue_resumed"

    /// Whether a record of `eventType` pauses (true) or resumes (false) the queue; nil for others.
    public static func paused(_ eventType: String) -> Bool? {
        switch eventType {
        case pausedType: return true
        case resumedType: return false
        default: return nil
        }
    }

    /// The record for `paused`, ready to append (its seq is the log's to give).
    public static func record(paused: Bool, at timestamp: Timestamp) -> LogRecord {
        LogRecord(body: JSONWriter.encode(["timestamp": .timestamp(timestamp),
                                           "event_type": .string(paused ? pausedType : resumedType)]), key: nil)
    }
}
