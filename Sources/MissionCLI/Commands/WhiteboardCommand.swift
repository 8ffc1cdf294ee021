import MissionService
import MissionModel
import MissionStore
enum WhiteboardCommand {
    static func execute(_ context: CommandContext) async throws -> Int32 {
        let id = context.parsed.arguments[0]
        let atSeq = try context.parsed.int("--at-seq", in: 0...Int.max)
        if let server = try context.server() {
            let answer = try await server.request("GET", "/api/whiteboard/\(id)", query: atSeq.map { [("at_seq", String($0))] } ?? [])
            context.printJSON(answer.body)
            return ExitStatus.success
        }
        guard let store = try context.readStore(), let current = store.whiteboard(id), current.isCreated else {
            throw CommandFailure("mission \(id) not found in \(context.directory.missionsPath); `mission list` shows the missions there")
        }
        if let atSeq {
            guard let board = try await store.whiteboard(id, atSeq: atSeq) else {
                throw CommandFailure("mission \(id) did not exist yet at seq \(atSeq); it was created at seq \(current.timeline.first?.seq ?? 0)")
            }
            context.printWhiteboard(board)
        } else {
            context.printWhiteboard(current)
        }
        return ExitStatus.success
    }
}
