import MissionModel
/// One committed line of a log: its seq, the exact bytes stored (without the newline), and
/// the record. Sending `line` avoids encoding the same record twice.
///
/// A mission event appended by this process keeps its typed form, so that folding it into the
/// board (on the writer thread, for every record) does not decode what was just encoded; its
/// `record` is built only when someone asks. Two entries are equal when their seq and bytes are.
///
/// The fields live in one immutable object: an entry is copied several times between its
/// append and its commit (into the batch, the board, the appender's answer), on different
/// threads, and a copy then costs one reference count instead of one per field of the event.
public struct LogEntry: Sendable, Hashable {
    private let storage: Storage

    public var seq: Int { storage.seq }
    public var line: [UInt8] { storage.line }

    private final class Storage: Sendable {
        let seq: Int
        let line: [UInt8]
        let payload: Payload

        init(seq: Int, line: [UInt8], payload: Payload) {
            self.seq = seq
            self.line = line
            self.payload = payload
        }
    }

    private enum Payload: Sendable {
        case record(JSONObject)
        /// A record appended here, without its seq: `record` prepends it when asked.
        case unsequenced(JSONObject)
        /// The event as appended, with its seq.
        case event(MissionEvent)
        /// Only the line (and its mission): the record is parsed from it when asked for.
        case line(missionID: String?)
    }

    public init(seq: Int, line: [UInt8], record: JSONObject) {
        storage = Storage(seq: seq, line: line, payload: .record(record))
    }

    /// An entry of a record appended here (`record` has no seq of its own).
    init(seq: Int, line: [UInt8], unsequenced record: JSONObject) {
        storage = Storage(seq: seq, line: line, payload: .unsequenced(record))
    }

    /// An entry that keeps only its line (and its mission): the record is parsed when asked.
    init(seq: Int, line: [UInt8], missionID: String?) {
        storage = Storage(seq: seq, line: line, payload: .line(missionID: missionID))
    }

    /// An entry of an event appended here.
    init(seq: Int, line: [UInt8], event: MissionEvent) {
        var event = event
        event.seq = seq
        storage = Storage(seq: seq, line: line, payload: .event(event))
    }

    /// This entry as kept in memory for followers: its line and mission only, so that holding
    /// (and at last freeing) thousands of them costs one allocation each.
    var slim: LogEntry {
        if case .line = storage.payload { return self }
        return LogEntry(seq: seq, line: line, missionID: missionID)
    }

    /// The stored record, `seq` first.
    public var record: JSONObject {
        switch storage.payload {
        case .record(let record):
            return record
        case .unsequenced(let record):
            return record.prepending("seq", .int(seq))
        case .line:
            let line = storage.line
            // Only lines this process committed are kept so, and each starts with its seq; it
            // is parsed only for readers that ask.
            return line.withUnsafeBufferPointer { (try? JSONParser.parseObject($0)) ?? JSONObject() }
        case .event(let event):
            return event.record.prepending("seq", .int(seq))
        }
    }

    /// The typed event, when this entry was appended as one (nil for entries read back).
    public var event: MissionEvent? {
        if case .event(let event) = storage.payload { return event }
        return nil
    }

    /// The record's `mission_id`, without building the record.
    public var missionID: String? {
        switch storage.payload {
        case .record(let record), .unsequenced(let record): return record["mission_id"]?.stringValue
        case .event(let event): return event.missionID
        case .line(let missionID): return missionID
        }
    }

    public var text: String { String(decoding: line, as: UTF8.self) }

    public static func == (a: LogEntry, b: LogEntry) -> Bool {
        a.seq == b.seq && a.line == b.line
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(seq)
        hasher.combine(line)
    }
}
