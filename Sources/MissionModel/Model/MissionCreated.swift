/// The payload of `mission_created`. Beyond the contract's fields, a mission created under an
/// `Idempotency-Key` records a fingerprint of the request and, from chat, the intent: enough to
/// answer a repeat with the original envelope after a restart, and to tell a different body.
public struct MissionCreated: Sendable, Hashable, JSONMembers {
    public static let defaultPriority = 0

    public var objective: Objective
    public var constraints: Constraints
    public var priority: Int
    public var source: MissionSource
    public var dedupKey: String
    public var idempotencyKey: String?
    public var requestFingerprint: String?
    public var intent: IntentSummary?
    /// Mission control (CONTRACT §9): not started before `runAt`; only once approved; a rerun of `parentID`.
    public var runAt: Timestamp?
    public var requiresApproval: Bool
    public var parentID: String?
    /// Missions that must complete before this one starts (CONTRACT §9 `after`).
    public var after: [String]
    /// The schedule that created it (CONTRACT §9).
    public var scheduleID: String?
    /// Missions with one key run at most `--max-per-key` at once, and keys take turns.
    public var concurrencyKey: String?
    /// Told when the mission ends (CONTRACT §9).
    public var callbackURL: String?

    public init(objective: Objective, constraints: Constraints, priority: Int = defaultPriority,
                source: MissionSource, idempotencyKey: String? = nil, requestFingerprint: String? = nil,
                intent: IntentSummary? = nil, runAt: Timestamp? = nil, requiresApproval: Bool = false, parentID: String? = nil,
                after: [String] = [], scheduleID: String? = nil, concurrencyKey: String? = nil, callbackURL: String? = nil) {
        self.objective = objective
        self.constraints = constraints
        self.priority = priority
        self.source = source
        self.runAt = runAt
        self.requiresApproval = requiresApproval
        self.parentID = parentID
        self.after = after
        self.scheduleID = scheduleID
        self.concurrencyKey = concurrencyKey
        self.callbackURL = callbackURL
        self.dedupKey = DedupKey.make(objective: objective, constraints: constraints, runAt: runAt, after: after)
        self.idempotencyKey = idempotencyKey
        self.requestFingerprint = requestFingerprint
        self.intent = intent
    }

    package init(json: JSONObject) throws(RecordError) {
        guard let objective = try json.optionalObject("objective") else { throw .missingField("objective") }
        self.objective = try Objective(json: objective)
        constraints = try Constraints(json: try json.optionalObject("constraints") ?? JSONObject())
        priority = try json.optionalInt("priority") ?? Self.defaultPriority
        source = try MissionSource(json: try json.optionalObject("source") ?? ["channel": .string("chat")])
        runAt = try json.optionalTimestamp("run_at")
        requiresApproval = try json.optionalBool("requires_approval") ?? false
        parentID = try json.optionalString("parent_id")
        after = try json.stringArray("after")
        scheduleID = try json.optionalString("schedule_id")
        concurrencyKey = try json.optionalString("concurrency_key")
        callbackURL = try json.optionalString("callback_url")
        dedupKey = try json.optionalString("dedup_key") ?? DedupKey.make(objective: self.objective, constraints: constraints, runAt: runAt, after: after)
        idempotencyKey = try json.optionalString("idempotency_key")
        requestFingerprint = try json.optionalString("request_fingerprint")
        intent = try json.optionalObject("intent").map { (object) throws(RecordError) in try IntentSummary(json: object) }
    }

    public func members<Sink: JSONMemberSink>(into sink: inout Sink) {
        sink.member("objective", objective)
        sink.member("constraints", constraints)
        sink.member("priority", .int(priority))
        sink.member("source", source)
        sink.member("dedup_key", .string(dedupKey))
        sink.member("idempotency_key", ifPresent: idempotencyKey.map(JSONValue.string))
        sink.member("request_fingerprint", ifPresent: requestFingerprint.map(JSONValue.string))
        sink.member("intent", ifPresent: intent)
        sink.member("run_at", ifPresent: runAt.map(JSONValue.timestamp))
        sink.member("requires_approval", ifPresent: requiresApproval ? .bool(true) : nil)
        sink.member("parent_id", ifPresent: parentID.map(JSONValue.string))
        sink.member("after", ifPresent: after.isEmpty ? nil : .strings(after))
        sink.member("schedule_id", ifPresent: scheduleID.map(JSONValue.string))
        sink.member("concurrency_key", ifPresent: concurrencyKey.map(JSONValue.string))
        sink.member("callback_url", ifPresent: callbackURL.map(JSONValue.string))
    }
}
