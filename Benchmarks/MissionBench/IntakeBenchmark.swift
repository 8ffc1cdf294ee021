import MissionModel
import MissionStore
import MissionService

/// Durable mission creation alone, in this process: `MissionRuntime.submit` from C tasks,
/// nothing executing. It is the ceiling for `POST /api/missions` (which adds HTTP and runs
/// the missions it accepted), and CPU per submit says what the core costs per mission.
enum IntakeBenchmark {
    static func run(directory: String, missions: Int, concurrency: Int) async throws {
        let runtime = try MissionRuntime(MissionRuntime.Options(dataDirectory: DataDirectory(path: directory)))
        let cpuBefore = Measure.cpuSeconds()
        let seconds = try await Measure.seconds { try await submit(missions, to: runtime, from: concurrency, label: "intake") }
        let cpu = Measure.cpuSeconds() - cpuBefore
        let syncs = runtime.store.log.stats.syncs
        await runtime.close()
        Measure.report("intake", ["missions": "\(missions)", "concurrency": "\(concurrency)", "seconds": Measure.format(seconds, 3),
                                  "per_second": Measure.format(Double(missions) / seconds),
                                  "cpu_us_per_mission": Measure.format(cpu / Double(missions) * 1e6, 1),
                                  "missions_per_sync": Measure.format(Double(missions) / Double(max(syncs, 1)), 1)])
    }

    /// Creates `missions` distinct echo missions from `concurrency` tasks.
    static func submit(_ missions: Int, to runtime: MissionRuntime, from concurrency: Int, label: String) async throws {
        try await withThrowingDiscardingTaskGroup { group in
            for c in 0..<concurrency {
                group.addTask {
                    for n in stride(from: c, to: missions, by: concurrency) {
                        let request = MissionRequest(objective: Objective(type: "echo", description: "\(label) \(n)"), source: MissionSource(channel: .api))
                        guard case .created = try await runtime.submit(request) else { throw BenchError.failed("mission \(n) was deduplicated") }
                    }
                }
            }
        }
    }
}
