import MissionModel
import Foundation

/// A request to create a mission, from any channel.
public struct MissionRequest: Sendable, Hashable {
    public static let maxDescriptionBytes = 64 << 10
    public static let priorityRange = -1000...1000
    /// The furthest ahead a mission may be delayed (`delay_seconds`, `run_at`): a year.
    public static let maxDelaySeconds: Double = 366 * 86_400
    /// The most missions one mission may come `after`.
    public static let maxDependencies = 100
    public static let maxConcurrencyKeyBytes = 200

    public var objective: Objective
    public var constraints: Constraints
    public var priority: Int
    public var source: MissionSource
    public var idempotencyKey: String?
    public var requestFingerprint: String?
    public var intent: IntentSummary?
    /// Mission control (CONTRACT §9).
    public var runAt: Timestamp?
    public var requiresApproval = false
    public var parentID: String?
    /// Missions that must complete first (`after`, at most `maxDependencies`).
    public var after: [String] = []
    /// The schedule that makes it.
    public var scheduleID: String?
    /// Its group for `--max-per-key` and fair share (at most `maxConcurrencyKeyBytes`).
    public var concurrencyKey: String?
    /// Told when it ends (checked against the server's `CallbackSettings`).
    public var callbackURL: String?
    /// How the request asked for its time (`run_at=…` or `delay_seconds=…`), as sent: part of
    /// its `Idempotency-Key` fingerprint, so that a repeat of a delay is the same request.
    public var timing: String?

    public init(objective: Objective, constraints: Constraints = Constraints(), priority: Int = MissionCreated.defaultPriority,
                source: MissionSource, idempotencyKey: String? = nil, requestFingerprint: String? = nil, intent: IntentSummary? = nil) {
        self.objective = objective
        self.constraints = constraints
        self.priority = priority
        self.source = source
        self.idempotencyKey = idempotencyKey
        self.requestFingerprint = requestFingerprint
        self.intent = intent
    }

    /// Rejects what no tool could run, with a message that says how to fix it.
    func validate(tools: ToolRegistry) throws(SubmissionError) {
        guard tools.tool(for: objective.type) != nil else {
            throw .invalid("objective.type '\(objective.type)' has no tool here; use one of: \(tools.names.joined(separator: ", "))")
        }
        guard !objective.description.allSatisfy(\.isWhitespace) else {
            throw .invalid("objective.description is empty; say what the mission should do")
        }
        guard objective.description.utf8.count <= Self.maxDescriptionBytes else {
            throw .invalid("objective.description is over \(Self.maxDescriptionBytes) bytes")
        }
        guard Self.priorityRange.contains(priority) else {
            throw .invalid("priority must be between \(Self.priorityRange.lowerBound) and \(Self.priorityRange.upperBound)")
        }
        if let runAt, runAt.milliseconds(since: .now()) > Int64(Self.maxDelaySeconds * 1000) {
            throw .invalid("run_at \(runAt) is more than a year ahead; missions may be delayed by a year at most")
        }
        if let key = concurrencyKey, key.isEmpty || key.utf8.count > Self.maxConcurrencyKeyBytes {
            throw .invalid("concurrency_key must be 1 to \(Self.maxConcurrencyKeyBytes) bytes")
        }
        guard after.count <= Self.maxDependencies else {
            throw .invalid("after names \(after.count) missions; at most \(Self.maxDependencies)")
        }
        guard constraints.maxPages >= 1, constraints.maxAttempts >= 1, constraints.maxAttempts <= 100,
              constraints.maxDurationSeconds > 0, constraints.maxDurationSeconds <= 86_400 else {
            throw .invalid("constraints out of range: max_pages ≥ 1, 1 ≤ max_attempts ≤ 100, 0 < max_duration_seconds ≤ 86400")
        }
    }
}
