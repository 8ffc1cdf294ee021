import MissionStore
import Foundation
import MissionService

/// Time to ready (`MissionRuntime` open: lock, both logs, view) on a large log, without and
/// with the checkpoint written by the previous close.
enum StartupBenchmark {
    static func run(directory: String, records: Int) async throws {
        var options = MissionRuntime.Options(dataDirectory: DataDirectory(path: directory))
        options.useCheckpoint = false
        var runtime: MissionRuntime?
        let cold = try await Measure.seconds { runtime = try MissionRuntime(options) }
        Measure.report("startup", ["records": "\(records)", "checkpoint": "no", "seconds": Measure.format(cold, 3),
                                   "note": runtime!.openReport.checkpoint])
        let close = await Measure.seconds { await runtime!.close() }
        Measure.report("checkpoint-write", ["missions": "\(runtime!.store.board.count)", "seconds": Measure.format(close, 3),
                                            "bytes": "\((try? FileManager.default.attributesOfItem(atPath: directory + "/missions.checkpoint")[.size] as? Int) ?? 0)"])
        runtime = nil
        options.useCheckpoint = true
        let warm = try await Measure.seconds { runtime = try MissionRuntime(options) }
        Measure.report("startup", ["records": "\(records)", "checkpoint": "yes", "seconds": Measure.format(warm, 3),
                                   "speedup": Measure.format(cold / warm, 1), "note": runtime!.openReport.checkpoint])
        await runtime!.store.close()
        await runtime!.signals.log.close()
    }
}
