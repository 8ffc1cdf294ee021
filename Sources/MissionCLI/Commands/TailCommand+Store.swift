import MissionModel
import MissionService
import MissionStore

extension TailCommand {
    /// `tail --store`: reads the cluster store's log, and follows it as a node does (woken by
    /// the store's notifications).
    static func executeStore(_ context: CommandContext, url: String, table: PostgresLog.Table) async throws -> Int32 {
        let mission = context.parsed.value("--mission")
        let since = try context.parsed.int("--since", in: 0...Int.max)
        let json = context.json
        let signals = context.parsed.has("--follow") ? ProcessSignals.stream() : nil
        let store = try await ClusterStore.open(url)
        defer { store.close() }
        let log = try await store.log(table)
        let show: @Sendable (LogEntry) -> Void = { entry in
            if let mission, entry.missionID != mission { return }
            Console.out(json ? entry.text : RecordFormatter.line(entry))
        }
        var start = since ?? 0
        if since == nil { start = try await startForLast(defaultCount, of: log, mission: mission) }
        guard let signals else {
            try await printAll(after: start, of: log, show)
            await log.close()
            return ExitStatus.success
        }
        await follow(log, after: start, until: signals, show)
        await log.close()
        return ExitStatus.success
    }
}
