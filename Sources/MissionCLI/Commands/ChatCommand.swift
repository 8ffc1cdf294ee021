import MissionService
import MissionModel
enum ChatCommand {
    static func execute(_ context: CommandContext) async throws -> Int32 {
        let policy = try context.parsed.choice("--policy", of: DoubleTextingPolicy.self)
        if let server = try context.server() {
            var body: JSONObject = ["message": .string(context.parsed.arguments[0])]
            body.set("session_id", context.parsed.value("--session").map(JSONValue.string))
            body.set("policy", policy.map { .string($0.rawValue) })
            let key = context.parsed.value("--idempotency-key")
            let answer = try await server.request("POST", "/chat/integrated", body: body, headers: key.map { ["Idempotency-Key": $0] } ?? [:])
            context.printJSON(answer.body)
            return ExitStatus.success
        }
        let request = ChatRequest(message: context.parsed.arguments[0], sessionID: context.parsed.value("--session"),
                                  idempotencyKey: context.parsed.value("--idempotency-key"), policy: policy, channel: .cli)
        var options = MissionRuntime.Options(dataDirectory: context.directory)
        // Missions are only created here; `mission serve` (with its --allow-command) runs them.
        options.tools = try ToolRegistry.standard(allowCommands: [], agent: nil)
        options.executor.report = { Console.err($0) }
        let runtime = try MissionRuntime(options)
        await runtime.holdLiveMissions()
        let orchestrator = ChatOrchestrator(runtime: runtime)
        let envelope: ChatEnvelope
        do {
            envelope = try await orchestrator.handle(request)
        } catch {
            await runtime.close()
            throw error
        }
        await runtime.close()
        Console.out(String(decoding: JSONWriter.encode(envelope.json, pretty: !context.json), as: UTF8.self))
        return ExitStatus.success
    }
}
