/// Limits a mission runs under (CONTRACT §2). Defaults per CONTRACT §1.
public struct Constraints: Sendable, Hashable, JSONMembers {
    public static let defaultMaxPages = 1
    public static let defaultMaxDurationSeconds = 30.0
    public static let defaultMaxAttempts = 3

    public var allowedDomains: [String]
    public var maxPages: Int
    public var maxDurationSeconds: Double
    public var maxAttempts: Int

    public init(allowedDomains: [String] = [], maxPages: Int = defaultMaxPages,
                maxDurationSeconds: Double = defaultMaxDurationSeconds, maxAttempts: Int = defaultMaxAttempts) {
        self.allowedDomains = allowedDomains
        self.maxPages = maxPages
        self.maxDurationSeconds = maxDurationSeconds
        self.maxAttempts = maxAttempts
    }

    /// Reads constraints, filling absent fields with defaults (the Python service omitted
    /// `max_attempts`) and rejecting values no mission could run under.
    public init(json: JSONObject) throws(RecordError) {
        allowedDomains = try json.stringArray("allowed_domains")
        maxPages = try json.optionalInt("max_pages") ?? Self.defaultMaxPages
        maxDurationSeconds = try json.optionalDouble("max_duration_seconds") ?? Self.defaultMaxDurationSeconds
        maxAttempts = try json.optionalInt("max_attempts") ?? Self.defaultMaxAttempts
        guard maxPages >= 1 else { throw .invalidValue(field: "max_pages", reason: "must be at least 1") }
        guard maxDurationSeconds > 0 else { throw .invalidValue(field: "max_duration_seconds", reason: "must be positive") }
        guard maxAttempts >= 1 else { throw .invalidValue(field: "max_attempts", reason: "must be at least 1") }
    }

    public func members<Sink: JSONMemberSink>(into sink: inout Sink) {
        sink.member("allowed_domains", .strings(allowedDomains))
        sink.member("max_pages", .int(maxPages))
        sink.member("max_duration_seconds", .double(maxDurationSeconds))
        sink.member("max_attempts", .int(maxAttempts))
    }
}
