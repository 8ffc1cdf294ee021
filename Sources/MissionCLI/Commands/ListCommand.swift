import MissionService
import MissionModel
import Foundation

enum ListCommand {
    static func execute(_ context: CommandContext) async throws -> Int32 {
        let status = try context.parsed.choice("--status", of: MissionStatus.self)
        let limit = try context.parsed.int("--limit", in: 1...MissionAPI.maxPageSize) ?? 50
        let offset = try context.parsed.int("--offset", in: 0...Int.max) ?? 0
        let before = try context.parsed.int("--before", in: 1...Int.max)
        let summaries: [JSONObject]
        let total: Int
        let nextBefore: Int?
        if let server = try context.server() {
            var query = [("limit", String(limit)), ("offset", String(offset))]
            if let status { query.append(("status", status.rawValue)) }
            if let before { query.append(("before", String(before))) }
            let page = try await server.request("GET", "/api/missions", query: query).body.objectValue
            summaries = page?["missions"]?.arrayValue?.compactMap(\.objectValue) ?? []
            total = page?["total"]?.intValue ?? 0
            nextBefore = page?["next_before"]?.intValue
        } else {
            let page = try await context.withReadStore { $0?.board.list(status: status, limit: limit, offset: offset, before: before) }
            summaries = page?.missions.map(\.summaryJSON) ?? []
            total = page?.total ?? 0
            nextBefore = page?.nextBefore
        }
        if context.json {
            Console.out(JSONWriter.string(.object(["missions": .array(summaries.map(JSONValue.object)), "total": .int(total),
                                                   "next_before": nextBefore.map(JSONValue.int) ?? .null])))
            return ExitStatus.success
        }
        if summaries.isEmpty {
            Console.out(total == 0 ? "no missions" : "no missions at offset \(offset) (total \(total))")
            return ExitStatus.success
        }
        for summary in summaries {
            let field = { (name: String) in summary[name]?.stringValue ?? "-" }
            let description = field("description").oneLine(limit: 60)
            Console.out("\(field("mission_id"))  \(RecordFormatter.column(field("status"), 9))  \(RecordFormatter.column(field("objective_type"), 7))  attempts=\(summary["attempts"]?.intValue ?? 0)  \(field("created_at"))  \(description)")
        }
        if let nextBefore { Console.out("… older missions: --before \(nextBefore)") }
        return ExitStatus.success
    }
}
