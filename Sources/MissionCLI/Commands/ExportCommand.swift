import MissionModel
import MissionService
import MissionStore

/// `mission export --store URL [missions|signals]`: the cluster store's log as JSON Lines
/// (CONTRACT §8), each record exactly as stored, in seq order.
enum ExportCommand {
    static func execute(_ context: CommandContext) async throws -> Int32 {
        let table = try TailCommand.table(context, command: "export")
        let store = try await ClusterStore.open(try context.storeURL())
        defer { store.close() }
        try await store.forEachRow(of: table) { _, line in Console.out(line) }
        return ExitStatus.success
    }
}
