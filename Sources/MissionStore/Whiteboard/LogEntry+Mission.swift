import MissionModel
/// A missions log's entries, read as mission records.
extension LogEntry {
    /// The mission the record belongs to: the missions log keys its records by `mission_id`.
    public var missionID: String? { key }

    /// The typed event, when this entry was appended by this process as one (nil for entries
    /// read back, whose record is parsed instead).
    public var event: MissionEvent? {
        guard var event = kept as? MissionEvent else { return nil }
        event.seq = seq
        return event
    }
}

extension LogRecord {
    /// A mission event as a record: encoded straight from its fields, keyed by its mission,
    /// and kept typed on its entry for the fold.
    public init(_ event: MissionEvent) {
        self.init(body: JSONWriter.encode(members: event), key: event.missionID, value: event)
    }
}
