import MissionService
import MissionModel
import MissionStore
import Foundation

/// `mission repair`: rewrites a damaged log offline (CONTRACT §6), keeping every good record
/// at its seq. The service must be stopped: it takes the data directory's lock.
enum RepairCommand {
    static func execute(_ context: CommandContext) throws -> Int32 {
        let (directory, lock) = try context.stoppedDirectory("repair")
        defer { withExtendedLifetime(lock) {} }
        var reports: [JSONValue] = []
        for (path, kind) in [(directory.missionsPath, LogVerifier.Kind.missions), (directory.signalsPath, .signals)]
        where FileManager.default.fileExists(atPath: path) {
            let report = try LogRepair.repair(path: path, kind: kind, now: Timestamp.now())
            // The checkpoint describes the old file; the log is replayed once instead.
            if report.changed, kind == .missions { try? FileManager.default.removeItem(atPath: directory.checkpointPath) }
            if context.json {
                reports.append(.object([
                    "path": .string(path), "records": .int(report.records), "changed": .bool(report.changed),
                    "replaced": .array(report.replaced.map(JSONValue.int)), "filled": .array(report.filled.map(JSONValue.int)),
                    "set_aside_lines": .array(report.setAside.map(JSONValue.int)), "torn_bytes": .int(report.tornBytes),
                    // One file kept as it was per file repaired; `original` names the first.
                    "original": report.originals.first.map(JSONValue.string) ?? .null,
                    "originals": .array(report.originals.map(JSONValue.string)),
                ]))
                continue
            }
            guard report.changed else {
                Console.out("\(path): \(report.records) records, nothing to repair")
                continue
            }
            Console.out("\(path): repaired; \(report.records) records kept, each at its seq")
            if !report.replaced.isEmpty { Console.out("  damaged lines replaced by record_lost placeholders at seq \(list(report.replaced))") }
            if !report.filled.isEmpty { Console.out("  missing seqs held by record_lost placeholders: \(list(report.filled))") }
            if !report.setAside.isEmpty { Console.out("  records whose seq was already taken, left out: original lines \(list(report.setAside))") }
            if report.tornBytes > 0 { Console.out("  torn last line of \(report.tornBytes) bytes left out (never acknowledged)") }
            for original in report.originals { Console.out("  the original is kept unchanged as \(original)") }
        }
        if context.json { Console.out(JSONWriter.string(.object(["logs": .array(reports)]))) }
        return ExitStatus.success
    }

    private static func list(_ numbers: [Int]) -> String {
        numbers.count <= 20 ? numbers.map(String.init).joined(separator: ", ")
            : numbers.prefix(20).map(String.init).joined(separator: ", ") + " and \(numbers.count - 20) more"
    }
}
