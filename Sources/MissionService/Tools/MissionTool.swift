import MissionModel
/// A tool runs one attempt of a mission. It reports progress and artifacts as it goes (each
/// becomes a log record, synced at the latest with the attempt's end, before anyone sees it)
/// and honours task cancellation, which is how timeouts, `cancel` and shutdown reach it.
///
/// Throwing fails the attempt (it is retried while attempts remain); returning a result with
/// `success == false` is the tool's final answer and is not retried.
public protocol MissionTool: Sendable {
    /// The `objective.type` this tool serves.
    var name: String { get }
    /// Whether the tool acts outside this process (runs programs, contacts hosts). Such a tool
    /// starts only once its mission's `active` record is synced (write-ahead), so that an
    /// attempt cut short by a crash counts toward `max_attempts` after the restart, and a
    /// mission that keeps crashing the service ends failed. A tool that only computes (`echo`)
    /// may start at once; its start is synced with its end.
    var actsOutsideProcess: Bool { get }
    /// Whether the tool only computes and returns at once, never waiting on anything but its
    /// own records (`echo`). Such a tool runs inline in its worker, without a supervising task
    /// or a deadline: nothing could interrupt it sooner than it returns. A stop that arrives
    /// while it runs still decides the outcome.
    var returnsPromptly: Bool { get }
    /// Whether this process is set up to run `objective` (a cluster node takes only such
    /// missions, CONTRACT §8): e.g. `command` only for the programs it allows.
    func canRun(_ objective: Objective) -> Bool
    func run(_ request: ToolRequest, events: ToolEvents) async throws -> ExecutionResult
}

extension MissionTool {
    public var actsOutsideProcess: Bool { true }
    public var returnsPromptly: Bool { false }
    public func canRun(_ objective: Objective) -> Bool { true }
}

public struct ToolRequest: Sendable {
    public var missionID: String
    public var objective: Objective
    public var constraints: Constraints
    public var attempt: Int
}

/// Where a tool sends what it sees while it runs.
public struct ToolEvents: Sendable {
    let record: @Sendable (MissionEvent.Body) async throws -> Void

    public init(record: @escaping @Sendable (MissionEvent.Body) async throws -> Void) {
        self.record = record
    }

    public func progress(_ phase: String, _ message: String, metadata: JSONObject? = nil) async throws {
        try await record(.progress(MissionProgress(phase: phase, message: message, metadata: metadata)))
    }

    public func artifact(kind: String, uri: String, metadata: JSONObject? = nil) async throws {
        try await record(.artifact(Artifact(kind: kind, uri: uri, metadata: metadata)))
    }
}

/// An attempt that failed in a way worth saying plainly, and whether another attempt could
/// do better: the executor retries only what is `transient`.
public struct ToolError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// Might succeed later (a timeout of one request, a 5xx, a dead host): retried
        /// within `max_attempts`, no sooner than `retryAfter` when the far side said so.
        case transient
        /// Will fail the same way every time (a 404, a refused redirect, robots.txt): the
        /// mission fails at once.
        case permanent
        /// The mission's own `max_duration_seconds` ran out, noticed by the tool through a
        /// deadline derived from it: recorded as reason `timeout`, as if the executor's
        /// deadline had fired.
        case outOfTime
    }

    public var message: String
    public var kind: Kind
    public var retryAfter: Duration?

    public init(_ message: String, kind: Kind = .transient, retryAfter: Duration? = nil) {
        self.message = message
        self.kind = kind
        self.retryAfter = retryAfter
    }

    public static func permanent(_ message: String) -> ToolError { ToolError(message, kind: .permanent) }
    public static func outOfTime(_ message: String) -> ToolError { ToolError(message, kind: .outOfTime) }

    public var description: String { message }
}
