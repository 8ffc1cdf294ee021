import MissionService
import MissionModel
import MissionStore
import Foundation

enum VerifyCommand {
    static func execute(_ context: CommandContext) async throws -> Int32 {
        if let url = try context.namedStore() { return try await verifyStore(context, url: url) }
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
            show(report, kind: kind, repaired: repaired, context, into: &reports)
        }
        if context.json { Console.out(JSONWriter.string(.object(["sound": .bool(sound), "logs": .array(reports)]))) }
        return sound ? ExitStatus.success : ExitStatus.failure
    }

    /// One log's report: a JSON object for `--json` (collected), lines otherwise.
    static func show(_ report: LogVerifier.Report, kind: LogVerifier.Kind, repaired: Bool, _ context: CommandContext, into reports: inout [JSONValue]) {
        let path = report.path
        if context.json {
            reports.append(.object([
                "path": .string(path), "records": .int(report.records), "sound": .bool(report.isSound),
                "torn_bytes": .int(report.tornBytes), "repaired": .bool(repaired),
                "segments": .int(report.segments), "first_seq": .int(report.firstSeq),
                "problems": .array(report.problems.map { .object(["line": .int($0.line), "message": .string($0.message)]) }),
            ]))
            return
        }
        let noun = kind == .missions ? "\(report.records) records, \(report.missions) missions" : "\(report.records) records"
        let files = report.segments > 1 ? " in \(report.segments) segments (seq \(report.firstSeq) on)" : ""
        Console.out("\(path): \(noun)\(files)" + (report.isSound ? ", sound" : ""))
        if repaired { Console.out("  torn last line set aside in \(path).torn") }
        for problem in report.problems { Console.out("  \(problem)") }
        if report.agedOutMissions > 0 { Console.out("  \(report.agedOutMissions) missions created before seq \(report.firstSeq) (aged out) still have later records here") }
        if report.lost > 0 { Console.out("  \(report.lost) record_lost placeholders, left by `mission repair` where damaged records were") }
        if report.problems.count == LogVerifier.maxProblemsListed { Console.out("  (only the first \(LogVerifier.maxProblemsListed) problems are listed)") }
        if report.tornBytes > 0 {
            Console.out("  torn last line of \(report.tornBytes) bytes (a write cut off by a crash, never acknowledged)"
                        + (report.problems.isEmpty ? "; `mission verify --repair` sets it aside" : ""))
        }
        if !report.problems.isEmpty, !path.hasPrefix("postgres") {
            Console.out("  with the service stopped, `mission repair` writes a new log keeping every good record at its seq")
        }
    }

    /// `verify --store`: the cluster store's two logs, record by record as a file's lines, and
    /// that their seqs run from 1 with no gap up to the log's head.
    static func verifyStore(_ context: CommandContext, url: String) async throws -> Int32 {
        let store = try await ClusterStore.open(url)
        defer { store.close() }
        var sound = true
        var reports: [JSONValue] = []
        for (table, kind) in [(PostgresLog.Table.missions, LogVerifier.Kind.missions), (.signals, .signals)] {
            var checker = LogVerifier.Checker(path: "\(StoreURL.redacted(url)) \(table.rawValue)", kind: kind)
            var next = 1
            try await store.forEachRow(of: table) { seq, line in
                if seq != next { checker.problem(seq, "seq \(seq) follows \(next - 1): \(seq - next) missing") }
                next = seq + 1
                Array(line.utf8).withUnsafeBufferPointer { checker.check(line: seq, $0) }
            }
            let head = try await store.head(of: table)
            if head != next - 1 { checker.problem(next, "the log's head says \(head), its last record is \(next - 1)") }
            let report = checker.report
            sound = sound && report.isSound
            show(report, kind: kind, repaired: false, context, into: &reports)
        }
        if context.json { Console.out(JSONWriter.string(.object(["sound": .bool(sound), "logs": .array(reports)]))) }
        return sound ? ExitStatus.success : ExitStatus.failure
    }
}
