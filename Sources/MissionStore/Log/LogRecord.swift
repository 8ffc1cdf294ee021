import MissionModel
/// A record on its way into a log, already encoded by the layer above: the JSON object's
/// bytes without `seq` (the log alone assigns it), the key records are grouped by (a
/// mission's id; followers route on it), and optionally the value the bytes were encoded
/// from. The log keeps that value on the committed entry, so that readers in this process (the
/// whiteboard fold, on every commit) need not decode what was just encoded; the log itself
/// never looks inside it.
public struct LogRecord: Sendable {
    public var body: [UInt8]
    public var key: String?
    public var value: (any Sendable)?
    /// Names this record claims for its key, which no other key may hold at the same time
    /// (a dedup key, an idempotency key). A store shared by several writers commits the
    /// records of an append only if every claim of theirs is free, and refuses the append
    /// with `LogError.claimed` otherwise; a store with one writer leaves this to it.
    public var claims: [String] = []

    public init(body: [UInt8], key: String?, value: (any Sendable)? = nil) {
        self.body = body
        self.key = key
        self.value = value
    }

    /// A JSON object as a record, its key read from `keyField`. A `seq` it carries is dropped:
    /// the log gives its own. With `keep`, committed entries keep the object (their `record`
    /// is then built from it instead of parsed from the line).
    public init(_ object: JSONObject, keyField: String?, keep: Bool = true) {
        let clean = object.members.contains { $0.key == "seq" } ? JSONObject(members: object.members.filter { $0.key != "seq" }) : object
        body = JSONWriter.encode(clean)
        key = keyField.flatMap { clean[$0]?.stringValue }
        value = keep ? clean : nil
    }
}
