import MissionModel
import MissionStore
import MissionService
import Foundation

/// Issue 23's figures, in this process on a data directory: how close to its `run_at` a delayed
/// mission starts, and how soon a lone key's mission starts behind a burst under another key,
/// beside plain first-come-first-served (the same missions without keys).
enum ControlBenchmark {
    /// `missions` echo missions due over `spread`, the first `lead` after the last is submitted
    /// (at the earliest); prints how late each started after its `run_at`.
    static func delayed(directory: String, missions: Int, spread: Duration) async throws {
        var options = MissionRuntime.Options(dataDirectory: DataDirectory(path: directory + "/delayed"))
        options.maxQueued = missions + 10
        try FileManager.default.createDirectory(atPath: options.dataDirectory.path, withIntermediateDirectories: true)
        let runtime = try MissionRuntime(options)
        // Submission runs at tens of thousands a second here: give it that long, and 2 s more.
        let lead = Int64(2000 + missions / 20)
        let base = Timestamp.now().millisecondsSinceEpoch + lead
        let spreadMs = spread.milliseconds
        let from = runtime.store.log.lastSeq
        let submittedBy = try await withThrowingTaskGroup(of: Timestamp?.self) { group in
            group.addTask { await runtime.executor.run(); return nil }
            group.addTask {
                var terminal = 0
                for try await entry in runtime.store.log.follow(after: from) {
                    if EndToEndBenchmark.isTerminalStatus(entry.line) { terminal += 1 }
                    if terminal == missions { break }
                }
                return nil
            }
            try await withThrowingDiscardingTaskGroup { submit in
                for c in 0..<64 {
                    submit.addTask {
                        for n in stride(from: c, to: missions, by: 64) {
                            var request = MissionRequest(objective: Objective(type: "echo", description: "due \(n)"), source: MissionSource(channel: .api))
                            request.runAt = Timestamp(millisecondsSinceEpoch: base + Int64(n) * Int64(spreadMs) / Int64(missions))
                            _ = try await runtime.submit(request)
                        }
                    }
                }
            }
            let submitted = Timestamp.now()
            // The follower ends once every mission has ended.
            while let next = try await group.next() { if next == nil { break } }
            await runtime.executor.shutdown(grace: .seconds(10))
            group.cancelAll()
            return submitted
        }
        let lateness = runtime.store.board.all().compactMap { board -> Double? in
            guard let start = board.startTime, let runAt = board.runAt else { return nil }
            return Double(start.milliseconds(since: runAt))
        }.sorted()
        await runtime.close()
        func at(_ share: Double) -> String { Measure.format(lateness[min(lateness.count - 1, Int(Double(lateness.count) * share))], 0) }
        Measure.report("control-delayed", ["missions": "\(missions)", "spread_s": "\(spreadMs / 1000)", "started": "\(lateness.count)",
                                           "late_ms_p50": at(0.5), "late_ms_p99": at(0.99), "late_ms_max": Measure.format(lateness.last ?? 0, 0),
                                           "early": "\(lateness.filter { $0 < 0 }.count)",
                                           "submitted_before_first_due": "\(submittedBy < Timestamp(millisecondsSinceEpoch: base))"])
    }

    /// `burst` missions under key A, then one under key B (or all without keys: `keyed` false),
    /// queued while the queue is paused; then the queue resumes. Prints how long the lone one
    /// waited to start, and how many of the burst started before it.
    static func fairness(directory: String, burst: Int, keyed: Bool) async throws {
        var options = MissionRuntime.Options(dataDirectory: DataDirectory(path: directory + (keyed ? "/fair" : "/fifo")))
        options.maxQueued = burst + 10
        // One mission per key at once would hold the burst to one worker; the figure is about
        // turns, so the burst's key may use every worker.
        options.maxPerKey = options.executor.workers
        try FileManager.default.createDirectory(atPath: options.dataDirectory.path, withIntermediateDirectories: true)
        let runtime = try MissionRuntime(options)
        await runtime.queue.pauseAll()
        try await withThrowingDiscardingTaskGroup { submit in
            for c in 0..<64 {
                submit.addTask {
                    for n in stride(from: c, to: burst, by: 64) {
                        var request = MissionRequest(objective: Objective(type: "echo", description: "burst \(n)"), source: MissionSource(channel: .api))
                        request.concurrencyKey = keyed ? "A" : nil
                        _ = try await runtime.submit(request)
                    }
                }
            }
        }
        var lone = MissionRequest(objective: Objective(type: "echo", description: "lone"), source: MissionSource(channel: .api))
        lone.concurrencyKey = keyed ? "B" : nil
        let loneID = try await runtime.submit(lone).whiteboard.missionID
        let waited = await withTaskGroup(of: Duration?.self) { group in
            group.addTask { await runtime.executor.run(); return nil }
            let resumed = ContinuousClock.now
            await runtime.queue.resumeAll()
            _ = await runtime.store.waitUntilTerminal(loneID, after: 0, limit: .seconds(600))
            let waited = ContinuousClock.now - resumed
            await runtime.executor.shutdown(grace: .zero)
            group.cancelAll()
            return waited
        }
        let loneStart = runtime.store.whiteboard(loneID)?.startTime
        let before = runtime.store.board.all().filter { board in
            board.missionID != loneID && board.startTime.map { start in loneStart.map { start < $0 } ?? false } ?? false
        }.count
        await runtime.close()
        Measure.report(keyed ? "control-fair-share" : "control-fifo", ["burst": "\(burst)", "lone_ended_ms": Measure.format(Double(waited.milliseconds), 0),
                                                                        "burst_started_before": "\(before)"])
    }
}
