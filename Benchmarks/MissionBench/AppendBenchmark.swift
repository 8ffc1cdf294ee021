import MissionModel
import MissionStore
import Foundation
import Glibc
import MissionService

/// Durable appends/s through the group-commit log, against the disk's own figure: one thread
/// writing 64-line batches with one `fdatasync` each (no Swift concurrency, no JSON).
enum AppendBenchmark {
    static func record(_ n: Int) -> JSONObject {
        ["timestamp": .string("2026-11-21T10:00:00.000Z"), "signal_type": .string("mission_executed"),
         "mission_id": .string("m-\(n)"), "success": .bool(true), "duration_ms": .int(n % 977),
         "tools_used": .array([.string("echo")]), "attempt": .int(1), "note": .string("benchmark record of a realistic size for a signal line")]
    }

    static func run(directory: String, quick: Bool, only: Int? = nil) async throws {
        let line = Array(String(decoding: JSONWriter.encode(record(0)), as: UTF8.self).utf8) + [0x0A]
        let referenceLines = quick ? 20_000 : 300_000
        let referencePath = directory + "/reference.jsonl"
        let fd = open(referencePath, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0o644)
        let batch = Array([[UInt8]](repeating: line, count: 64).joined())
        let referenceSeconds = await Measure.seconds {
            for _ in 0..<(referenceLines / 64) {
                _ = batch.withUnsafeBytes { write(fd, $0.baseAddress!, $0.count) }
                fdatasync(fd)
            }
        }
        close(fd)
        unlink(referencePath)
        let reference = Double(referenceLines / 64 * 64) / referenceSeconds
        Measure.report("disk-reference", ["lines": "\(referenceLines / 64 * 64)", "per_second": Measure.format(reference),
                                          "note": "one thread, 64 lines per fdatasync"])
        for appenders in [1, 16, 256] where only == nil || only == appenders {
            let total = appenders == 1 ? (quick ? 1_000 : 10_000) : (quick ? 20_000 : 300_000)
            let path = directory + "/appends-\(appenders).jsonl"
            unlink(path)
            let log = try JSONLLog(path: path)
            let seconds = try await Measure.seconds {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for a in 0..<appenders {
                        group.addTask {
                            for i in stride(from: a, to: total, by: appenders) { try await log.append(record(i)) }
                        }
                    }
                    try await group.waitForAll()
                }
            }
            await log.close()
            let stats = log.stats
            let perSecond = Double(total) / seconds
            Measure.report("appends", ["appenders": "\(appenders)", "records": "\(total)", "seconds": Measure.format(seconds, 2),
                                       "per_second": Measure.format(perSecond), "records_per_sync": Measure.format(Double(stats.records) / Double(stats.syncs), 1),
                                       "sync_ms_avg": Measure.format(Double(stats.syncNanoseconds) / Double(stats.syncs) / 1e6, 3),
                                       "vs_disk_reference": Measure.format(perSecond / reference, 2)])
            unlink(path)
        }
    }
}
