import MissionModel
import MissionService
import MissionStore
enum CancelCommand {
    static func execute(_ context: CommandContext) async throws -> Int32 {
        let id = context.parsed.arguments[0]
        if let server = try context.server() {
            let board = try await server.request("POST", "/api/missions/\(id)/cancel").body
            if context.json {
                context.printJSON(board)
            } else {
                Console.out("mission \(id) is \(board.objectValue?["status"]?.stringValue ?? "cancelled")")
            }
            return ExitStatus.success
        }
        var options = MissionRuntime.Options(dataDirectory: context.directory)
        options.executor.report = { Console.err($0) }
        let runtime = try MissionRuntime(options)
        let outcome: MissionExecutor.CancelOutcome
        do {
            outcome = try await runtime.executor.cancel(id)
        } catch {
            await runtime.close()
            throw error
        }
        await runtime.close()
        switch outcome {
        case .cancelled(let board):
            if context.json {
                context.printWhiteboard(board)
            } else {
                Console.out("mission \(id) is \(board.status.rawValue)")
            }
            return ExitStatus.success
        case .alreadyTerminal(let board):
            throw CommandFailure("mission \(id) is already \(board.status.rawValue); nothing to cancel")
        case .notFound:
            throw CommandFailure("mission \(id) not found in \(context.directory.missionsPath)")
        }
    }
}
