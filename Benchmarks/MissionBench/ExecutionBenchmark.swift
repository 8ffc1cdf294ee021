import MissionStore
import MissionService

/// Execution alone, in this process: N echo missions are created first, then the executor is
/// started and timed until the last one has ended. CPU per mission says what running one
/// costs, beside `IntakeBenchmark`'s cost of creating one (`POST /api/missions` pays both).
enum ExecutionBenchmark {
    static func run(directory: String, missions: Int, workers: Int?) async throws {
        var options = MissionRuntime.Options(dataDirectory: DataDirectory(path: directory))
        options.maxQueued = max(missions, options.maxQueued)
        if let workers { options.executor.workers = workers }
        let runtime = try MissionRuntime(options)
        try await IntakeBenchmark.submit(missions, to: runtime, from: 64, label: "execution")
        let after = runtime.store.log.lastSeq
        let syncsBefore = runtime.store.log.stats.syncs
        let cpuBefore = Measure.cpuSeconds()
        let seconds = try await Measure.seconds {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await runtime.executor.run() }
                var ended = 0
                for try await entry in runtime.store.log.follow(after: after) where EndToEndBenchmark.isTerminalStatus(entry.line) {
                    ended += 1
                    if ended == missions { break }
                }
                await runtime.executor.shutdown(grace: .seconds(10))
                try await group.waitForAll()
            }
        }
        let cpu = Measure.cpuSeconds() - cpuBefore
        let syncs = runtime.store.log.stats.syncs - syncsBefore
        await runtime.close()
        Measure.report("execution", ["missions": "\(missions)", "seconds": Measure.format(seconds, 3),
                                     "per_second": Measure.format(Double(missions) / seconds),
                                     "cpu_us_per_mission": Measure.format(cpu / Double(missions) * 1e6, 1),
                                     "missions_per_sync": Measure.format(Double(missions) / Double(max(syncs, 1)), 1)])
    }
}
