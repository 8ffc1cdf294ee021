import MissionModel
/// `echo`: the answer is the description. For demos, tests and checking the pipeline.
public struct EchoTool: MissionTool {
    public let name = "echo"
    public let actsOutsideProcess = false
    public let returnsPromptly = true

    public init() {}

    public func run(_ request: ToolRequest, events: ToolEvents) async throws -> ExecutionResult {
        try await events.progress("echo", "echoing \(request.objective.description.count) characters")
        try Task.checkCancellation()
        return ExecutionResult(success: true, finalAnswer: request.objective.description, toolsUsed: [name])
    }
}
