import MissionService
import MissionModel
import MissionStore
import Foundation

enum VerifyCommand {
    static func execute(_ context: CommandContext) throws -> Int32 {
        let directory = try context.existingDirectory()
        var sound = true
        var reports: [JSONValue] = []
        for (path, kind) in [(directory.missionsPath, LogVerifier.Kind.missions), (directory.signalsPath, .signals)] {
            guard FileManager.default.fileExists(atPath: path) else {
                if !context.json { Console.out("\(path): absent (nothing recorded yet)") }
                continue
            }
            var report = try LogVerifier.verify(path: path, kind: kind)
            var repaired = false
            if report.tornBytes > 0, context.parsed.has("--repair"), report.problems.isEmpty {
                // Opening the log read-write sets the torn line aside; needs the directory lock.
                let lock = try directory.lock()
                let log = try JSONLLog(path: path)
                log.closeNow()
                withExtendedLifetime(lock) {}
                repaired = true
                report.tornBytes = 0
            }
            sound = sound && report.isSound
            if context.json {
                reports.append(.object([
                    "path": .string(path), "records": .int(report.records), "sound": .bool(report.isSound),
                    "torn_bytes": .int(report.tornBytes), "repaired": .bool(repaired),
                    "problems": .array(report.problems.map { .object(["line": .int($0.line), "message": .string($0.message)]) }),
                ]))
                continue
            }
            let noun = kind == .missions ? "\(report.records) records, \(report.missions) missions" : "\(report.records) records"
            Console.out("\(path): \(noun)" + (report.isSound ? ", sound" : ""))
            if repaired { Console.out("  torn last line set aside in \(path).torn") }
            for problem in report.problems { Console.out("  \(problem)") }
            if report.lost > 0 { Console.out("  \(report.lost) record_lost placeholders, left by `mission repair` where damaged records were") }
            if report.problems.count == LogVerifier.maxProblemsListed { Console.out("  (only the first \(LogVerifier.maxProblemsListed) problems are listed)") }
            if report.tornBytes > 0 {
                Console.out("  torn last line of \(report.tornBytes) bytes (a write cut off by a crash, never acknowledged)"
                            + (report.problems.isEmpty ? "; `mission verify --repair` sets it aside" : ""))
            }
            if !report.problems.isEmpty {
                Console.out("  with the service stopped, `mission repair` writes a new log keeping every good record at its seq")
            }
        }
        if context.json { Console.out(JSONWriter.string(.object(["sound": .bool(sound), "logs": .array(reports)]))) }
        return sound ? ExitStatus.success : ExitStatus.failure
    }
}
