import MissionModel
/// One committed line of a log: its seq, the exact bytes stored (without the newline), its
/// key, and the record. Sending `line` avoids encoding the same record twice.
///
/// An entry appended by this process keeps the value its record was encoded from (see
/// `LogRecord.value`); the record is built only when someone asks. Two entries are equal when
/// their seq and bytes are.
///
/// The fields live in one immutable object: an entry is copied several times between its
/// append and its commit (into the batch, the board, the appender's answer), on different
/// threads, and a copy then costs one reference count instead of one per field.
public struct LogEntry: Sendable, Hashable {
    private let storage: Storage

    public var seq: Int { storage.seq }
    public var line: [UInt8] { storage.line }
    /// The key the record was appended under (or read back with): a mission's id.
    public var key: String? { storage.key }

    private final class Storage: Sendable {
        let seq: Int
        let line: [UInt8]
        let key: String?
        let payload: Payload

        init(seq: Int, line: [UInt8], key: String?, payload: Payload) {
            self.seq = seq
            self.line = line
            self.key = key
            self.payload = payload
        }
    }

    private enum Payload: Sendable {
        /// Read back and parsed, `seq` included.
        case record(JSONObject)
        /// The value appended here (without its seq).
        case kept(any Sendable)
        /// Only the line: the record is parsed from it when asked for.
        case line
    }

    /// An entry read back, with its parsed record (which carries `seq`).
    public init(seq: Int, line: [UInt8], key: String?, record: JSONObject) {
        storage = Storage(seq: seq, line: line, key: key, payload: .record(record))
    }

    /// An entry appended here: it keeps `value` if there is one, else only its line.
    init(seq: Int, line: [UInt8], key: String?, kept value: (any Sendable)?) {
        storage = Storage(seq: seq, line: line, key: key, payload: value.map { .kept($0) } ?? .line)
    }

    /// This entry as kept in memory for followers: its line and key only, so that holding
    /// (and at last freeing) thousands of them costs one allocation each.
    var slim: LogEntry {
        if case .line = storage.payload { return self }
        return LogEntry(seq: seq, line: line, key: key, kept: nil)
    }

    /// The value this entry was appended with, if it was appended by this process as one.
    public var kept: (any Sendable)? {
        if case .kept(let value) = storage.payload { return value }
        return nil
    }

    /// The stored record, `seq` first. Lines this process wrote start with their seq and are
    /// valid JSON; a line that does not parse throws rather than reading as an empty record.
    public func record() throws(LogError) -> JSONObject {
        switch storage.payload {
        case .record(let record):
            return record
        case .kept(let object as JSONObject):
            return object.prepending("seq", .int(seq))
        case .kept, .line:
            do throws(JSONParser.Error) {
                return try storage.line.withUnsafeBufferPointer { buffer throws(JSONParser.Error) in try JSONParser.parseObject(buffer) }
            } catch {
                throw .corruptLine(path: "(in memory)", line: seq, reason: error.description)
            }
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
