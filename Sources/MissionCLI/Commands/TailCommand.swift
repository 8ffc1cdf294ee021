import MissionService
import MissionModel
import MissionStore
import Foundation

enum TailCommand {
    static let defaultCount = 10

    static func execute(_ context: CommandContext) async throws -> Int32 {
        let table = try table(context, command: "tail")
        let which = table == .missions ? "missions" : "signals"
        if let server = try context.server() { return try await executeRemote(context, server: server, which: which) }
        if let url = try context.namedStore() { return try await executeStore(context, url: url, table: table) }
        let directory = try context.existingDirectory()
        let path = which == "missions" ? directory.missionsPath : directory.signalsPath
        guard FileManager.default.fileExists(atPath: path) else {
            throw CommandFailure("no log at \(path) yet; pass --data DIR if the service uses another directory")
        }
        let log = try JSONLLog(path: path, mode: .readOnly, keyField: MissionStore.keyField)
        let mission = context.parsed.value("--mission")
        let since = try context.parsed.int("--since", in: 0...Int.max)
        let follow = context.parsed.has("--follow")
        let json = context.json
        let show: @Sendable (LogEntry) -> Void = { entry in
            if let mission, entry.missionID != mission { return }
            Console.out(json ? entry.text : RecordFormatter.line(entry))
        }
        var cursor = since ?? 0
        if since == nil { cursor = try await startForLast(defaultCount, of: log, mission: mission) }
        if let since, since > 0, since < log.firstSeq - 1 {
            Console.err("mission tail: records before seq \(log.firstSeq) were dropped by retention; printing from there")
        }
        if !follow {
            try await printAll(after: cursor, of: log, show)
            await log.close()
            return ExitStatus.success
        }
        let start = cursor
        // Handlers first: a Ctrl-C that comes as soon as output appears must find them.
        let signals = ProcessSignals.stream()
        // The directory: the writer may seal the file and go on in a new one (CONTRACT §10).
        let watcher = try FileWatcher(path: path, inDirectory: true)
        await Self.follow(log, after: start, until: signals, show) {
            // Another process appends: each change notice indexes the new whole lines.
            for await _ in watcher.changes { try log.refresh() }
        }
        watcher.stop()
        await log.close()
        return ExitStatus.success
    }

    /// Prints each record after `seq` as it is committed, until a signal comes (or the log
    /// ends); `alongside` runs meanwhile (what keeps the log current, if anything must).
    static func follow(_ log: any RecordLog, after seq: Int, until signals: AsyncStream<Int32>, _ show: @escaping @Sendable (LogEntry) -> Void,
                       alongside: (@Sendable () async throws -> Void)? = nil) async {
        await withThrowingTaskGroup(of: Void.self) { group in
            if let alongside { group.addTask { try await alongside() } }
            group.addTask {
                for try await entry in log.follow(after: seq) { show(entry) }
            }
            group.addTask {
                for await _ in signals { break }
            }
            _ = try? await group.next()
            group.cancelAll()
        }
    }

    /// Prints every record after `seq`, a page at a time.
    static func printAll(after seq: Int, of log: any RecordLog, _ show: (LogEntry) -> Void) async throws {
        var cursor = seq
        while true {
            let entries = try await log.entries(after: cursor)
            guard let last = entries.last else { return }
            entries.forEach(show)
            cursor = last.seq
        }
    }

    /// Which log a command's argument names (missions by default).
    static func table(_ context: CommandContext, command: String) throws -> PostgresLog.Table {
        switch context.parsed.arguments.first ?? "missions" {
        case "missions": return .missions
        case "signals": return .signals
        case let other: throw ArgumentError.unexpectedArgument(command: command, argument: other)
        }
    }

    /// The seq after which the last `count` matching records start.
    static func startForLast(_ count: Int, of log: any RecordLog, mission: String?) async throws -> Int {
        let last = log.lastSeq
        guard let mission else { return max(0, last - count) }
        var found: [Int] = []
        var end = last
        while end > 0 && found.count < count {
            let start = max(0, end - 1024)
            let entries = try await log.entries(after: start, limit: end - start)
            found += entries.reversed().filter { $0.missionID == mission }.map(\.seq)
            end = start
        }
        return found.count < count ? 0 : found[count - 1] - 1
    }
}
