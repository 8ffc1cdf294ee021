import MissionModel
/// The tools this process can run, by `objective.type`.
public struct ToolRegistry: Sendable {
    private var tools: [String: any MissionTool] = [:]

    public init(_ tools: [any MissionTool] = [EchoTool()]) {
        for tool in tools { self.tools[tool.name] = tool }
    }

    public func tool(for type: String) -> (any MissionTool)? { tools[type] }

    public var names: [String] { tools.keys.sorted() }

    /// Whether a tool here can run `objective` (its type is served, and the tool takes it).
    public func canRun(_ objective: Objective) -> Bool {
        tools[objective.type]?.canRun(objective) ?? false
    }

    public mutating func register(_ tool: any MissionTool) { tools[tool.name] = tool }

    /// The tools of a `mission serve` or `mission run`: `echo`; `fetch`; `command` with the programs of
    /// `--allow-command` (registered even with none, so that a refused program says which flag
    /// allows it); `agent` when `--agent` names a program.
    public static func standard(allowCommands: [String], agent: String?, denyPrivateNetworks: Bool = false) throws -> ToolRegistry {
        var fetch = FetchTool.Configuration()
        fetch.denyPrivateNetworks = denyPrivateNetworks
        var registry = ToolRegistry([EchoTool(), FetchTool(configuration: fetch), try CommandTool.allowing(allowCommands)])
        if let agent { registry.register(try AgentTool(commandLine: agent)) }
        return registry
    }
}
