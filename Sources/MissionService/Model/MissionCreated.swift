public struct MissionCreated: Sendable, Hashable {
    public static let defaultPriority = 0

    public var objective: Objective
    public var constraints: Constraints
    public var priority: Int
    public var source: MissionSource
    public var dedupKey: String
    public var idempotencyKey: String?

    public init(objective: Objective, constraints: Constraints, priority: Int = defaultPriority,
                source: MissionSource, idempotencyKey: String? = nil) {
        self.objective = objective
        self.constraints = constraints
        self.priority = priority
        self.source = source
        self.dedupKey = DedupKey.make(objective: objective, constraints: constraints)
        self.idempotencyKey = idempotencyKey
    }

    init(json: JSONObject) throws(RecordError) {
        guard let objective = try json.optionalObject("objective") else { throw .missingField("objective") }
        self.objective = try Objective(json: objective)
        constraints = try Constraints(json: try json.optionalObject("constraints") ?? JSONObject())
        priority = try json.optionalInt("priority") ?? Self.defaultPriority
        source = try MissionSource(json: try json.optionalObject("source") ?? ["channel": .string("chat")])
        dedupKey = try json.optionalString("dedup_key") ?? DedupKey.make(objective: self.objective, constraints: constraints)
        idempotencyKey = try json.optionalString("idempotency_key")
    }

    var json: JSONObject {
        var object: JSONObject = [
            "objective": .object(objective.json),
            "constraints": .object(constraints.json),
            "priority": .int(priority),
            "source": .object(source.json),
            "dedup_key": .string(dedupKey),
        ]
        object.set("idempotency_key", idempotencyKey.map(JSONValue.string))
        return object
    }
}
