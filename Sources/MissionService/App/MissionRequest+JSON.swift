import MissionModel

extension MissionRequest {
    /// A `POST /api/missions` body (also a schedule's mission, CONTRACT §9) as a request from
    /// `source`; `now` turns `delay_seconds` into a time.
    public init(body: JSONObject, now: Timestamp, source: MissionSource) throws {
        guard let objectiveJSON = try body.optionalObject("objective") else {
            throw SubmissionError.invalid("missing field 'objective': send {\"objective\": {\"type\": \"echo\", \"description\": \"...\"}}")
        }
        let objective = try Objective(json: objectiveJSON)
        let constraints = try body.optionalObject("constraints").map { try Constraints(json: $0) } ?? Constraints()
        self.init(objective: objective, constraints: constraints, priority: try body.optionalInt("priority") ?? MissionCreated.defaultPriority,
                  source: source)
        let runAt = try body.optionalTimestamp("run_at")
        let delay = try body.optionalDouble("delay_seconds")
        if runAt != nil, delay != nil { throw SubmissionError.invalid("give run_at or delay_seconds, not both") }
        if let delay {
            guard delay >= 0, delay <= Self.maxDelaySeconds else {
                throw SubmissionError.invalid("delay_seconds must be between 0 and \(Int(Self.maxDelaySeconds)) (a year)")
            }
            self.runAt = Timestamp(millisecondsSinceEpoch: now.millisecondsSinceEpoch + Int64((delay * 1000).rounded()))
            timing = "delay_seconds=\(delay)"
        } else if let runAt {
            self.runAt = runAt
            timing = "run_at=\(runAt)"
        }
        requiresApproval = try body.optionalBool("requires_approval") ?? false
        let after = try body.stringArray("after")
        self.after = after.count > 1 ? after.uniqued() : after
        concurrencyKey = try body.optionalString("concurrency_key")
        callbackURL = try body.optionalString("callback_url")
    }
}
