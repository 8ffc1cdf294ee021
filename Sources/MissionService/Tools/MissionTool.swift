/// A tool runs one attempt of a mission. It reports progress and artifacts as it goes (each
/// becomes a durable log record before the call returns) and honours task cancellation, which
/// is how timeouts, `cancel` and shutdown reach it.
///
/// Throwing fails the attempt (it is retried while attempts remain); returning a result with
/// `success == false` is the tool's final answer and is not retried.
public protocol MissionTool: Sendable {
    /// The `objective.type` this tool serves.
    var name: String { get }
    func run(_ request: ToolRequest, events: ToolEvents) async throws -> ExecutionResult
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

/// An attempt that failed in a way worth saying plainly.
public struct ToolError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
