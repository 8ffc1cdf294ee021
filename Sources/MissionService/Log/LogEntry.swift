/// One committed line of a log: its seq, the exact bytes stored (without the newline), and
/// the parsed record. Sending `line` avoids encoding the same record twice.
public struct LogEntry: Sendable, Hashable {
    public let seq: Int
    public let line: [UInt8]
    public let record: JSONObject

    public init(seq: Int, line: [UInt8], record: JSONObject) {
        self.seq = seq
        self.line = line
        self.record = record
    }

    public var text: String { String(decoding: line, as: UTF8.self) }
}
