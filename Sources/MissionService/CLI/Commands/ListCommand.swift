import Foundation

enum ListCommand {
    static func execute(_ context: CommandContext) throws -> Int32 {
        let status = try context.parsed.choice("--status", of: MissionStatus.self)
        let limit = try context.parsed.int("--limit", in: 1...10_000) ?? 50
        let offset = try context.parsed.int("--offset", in: 0...Int.max) ?? 0
        let (missions, total) = try context.readStore()?.board.list(status: status, limit: limit, offset: offset) ?? ([], 0)
        if context.json {
            Console.out(JSONWriter.string(.object(["missions": .array(missions.map { .object($0.summaryJSON) }), "total": .int(total)])))
            return ExitStatus.success
        }
        if missions.isEmpty {
            Console.out(total == 0 ? "no missions" : "no missions at offset \(offset) (total \(total))")
            return ExitStatus.success
        }
        for board in missions {
            let created = board.createdAt?.formatted ?? "-"
            let description = RecordFormatter.clip(board.objective?.description ?? "", 60)
            Console.out("\(board.missionID)  \(board.status.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0))  \((board.objective?.type ?? "-").padding(toLength: 7, withPad: " ", startingAt: 0))  attempts=\(board.attempts)  \(created)  \(description)")
        }
        if total > offset + missions.count { Console.out("… \(total - offset - missions.count) more (use --offset / --limit)") }
        return ExitStatus.success
    }
}
