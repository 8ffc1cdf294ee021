import MissionService
import MissionModel
import MissionStore
import Foundation

/// `mission compact`: retention on a stopped data directory (CONTRACT §10). The same pass
/// `mission serve --retain-days/--retain-missions` runs as it goes.
enum CompactCommand {
    static func execute(_ context: CommandContext) async throws -> Int32 {
        let parsed = context.parsed
        let policy = RetentionPolicy(days: try parsed.int("--retain-days", in: 0...RetentionPolicy.maxDays),
                                     missions: try parsed.int("--retain-missions", in: 0...RetentionPolicy.maxMissions),
                                     archive: parsed.has("--archive"))
        guard policy.isEnabled else {
            throw ArgumentError.missingValue(command: "compact", option: "--retain-days N or --retain-missions N")
        }
        let (directory, lock) = try context.stoppedDirectory("compact", instead: "stop it, or give the server --retain-days / --retain-missions")
        defer { withExtendedLifetime(lock) {} }
        guard FileManager.default.fileExists(atPath: directory.missionsPath) else {
            throw CommandFailure("no log at \(directory.missionsPath) yet; pass --data DIR if the service uses another directory")
        }
        let (store, _) = try Checkpoint.openStore(directory)
        let signals = FileManager.default.fileExists(atPath: directory.signalsPath)
            ? try JSONLLog(path: directory.signalsPath, keyField: MissionStore.keyField) : nil
        let report: HistoryCompaction.Report
        do {
            report = try HistoryCompaction.run(store, signals: signals, policy: policy, archive: directory.archivePath)
        } catch {
            await store.close()
            await signals?.close()
            throw error
        }
        await store.close()
        await signals?.close()
        // The next start reads this, not a checkpoint of files that are gone.
        do {
            try Checkpoint.write(store, to: directory.checkpointPath)
        } catch {
            Console.err("mission compact: checkpoint not written (the next start replays the log instead): \(error)")
        }
        if context.json {
            Console.out(JSONWriter.string(.object([
                "first_seq": .int(report.firstSeq), "dropped_segments": .int(report.droppedSegments),
                "dropped_signal_segments": .int(report.droppedSignalSegments), "aged_out": .int(report.plan.agedOut),
                "retained": .int(report.plan.retained), "segments_kept_open": .int(report.keptOpen),
                "archived": .bool(policy.archive),
            ])))
            return ExitStatus.success
        }
        let verb = policy.archive ? "moved to \(directory.archivePath)" : "deleted"
        Console.out("\(directory.missionsPath): \(report.plan.agedOut) ended missions aged out, \(report.plan.retained) kept; "
                    + "\(report.droppedSegments) segments \(verb); the first kept seq is \(report.firstSeq)")
        if report.keptOpen > 0 { Console.out("  \(report.keptOpen) older segments stay for missions still open (or a schedule, or the queue's pause)") }
        if report.droppedSignalSegments > 0 { Console.out("  \(directory.signalsPath): \(report.droppedSignalSegments) segments \(verb)") }
        return ExitStatus.success
    }
}
