import MissionService
import MissionModel
import MissionNet
import MissionStore

/// `mission migrate --store URL`: creates or migrates the PostgreSQL store's schema (CONTRACT
/// §8), as a node does when it starts. Refuses a schema newer than this build knows.
enum MigrateCommand {
    static func execute(_ context: CommandContext) async throws -> Int32 {
        let store = try context.storeURL()
        let loop = try EventLoop()
        defer { loop.stop() }
        let connection = try await PostgresConnection.connect(store, loop: loop)
        defer { connection.close() }
        let outcome = try await PostgresSchema.migrate(connection)
        if context.json {
            var answer: JSONObject = ["version": .int(PostgresSchema.currentVersion)]
            switch outcome {
            case .created: answer["outcome"] = .string("created")
            case .migrated(let from, _): answer["outcome"] = .string("migrated"); answer["from"] = .int(from)
            case .current: answer["outcome"] = .string("current")
            }
            Console.out(JSONWriter.string(.object(answer)))
        } else {
            Console.out("\(StoreURL.redacted(store)): \(outcome)")
        }
        return ExitStatus.success
    }
}
