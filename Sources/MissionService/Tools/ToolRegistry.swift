/// The tools this process can run, by `objective.type`.
public struct ToolRegistry: Sendable {
    private var tools: [String: any MissionTool] = [:]

    public init(_ tools: [any MissionTool] = [EchoTool()]) {
        for tool in tools { self.tools[tool.name] = tool }
    }

    public func tool(for type: String) -> (any MissionTool)? { tools[type] }

    public var names: [String] { tools.keys.sorted() }

    public mutating func register(_ tool: any MissionTool) { tools[tool.name] = tool }
}
