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
        let board = try await context.withReadStore { store -> Whiteboard in
            guard let store, let current = store.whiteboard(id), current.isCreated else {
                throw CommandFailure("mission \(id) not found in \(context.place); `mission list` shows the missions there")
            }
            guard let atSeq else { return current }
            guard let board = try await store.whiteboard(id, atSeq: atSeq) else {
                throw CommandFailure("mission \(id) did not exist yet at seq \(atSeq); it was created at seq \(current.timeline.first?.seq ?? 0)")
            }
            return board
        }
        context.printWhiteboard(board)
        return ExitStatus.success
    }
}
