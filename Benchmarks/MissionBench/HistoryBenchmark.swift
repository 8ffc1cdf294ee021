import MissionModel
import MissionStore
import MissionService
import Foundation

/// Issue 21's compaction figure, in this process: durable submissions per second (as a POST
/// makes them, without HTTP) for a window with no compaction, a window during which a
/// retention pass drops the segments of `missions` ended missions, and a window without
/// again. Ratio: the middle window against the mean of the other two.
enum HistoryBenchmark {
    static func run(directory: String, missions: Int, window: Duration) async throws {
        let data = directory + "/history"
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        let segmentBytes = 4 << 20
        try LogGenerator.write(missions: missions, to: data + "/missions.jsonl", segmentBytes: segmentBytes)
        var options = MissionRuntime.Options(dataDirectory: DataDirectory(path: data))
        options.maxQueued = 10_000_000
        options.segmentBytes = segmentBytes
        options.reportCheckpoints = false
        let opened = ContinuousClock.now
        let runtime = try MissionRuntime(options)
        let openMs = (ContinuousClock.now - opened).milliseconds
        let segmentsBefore = runtime.store.file?.sealedSegments.count ?? 0

        let before = try await submissions(runtime, for: window)
        let passStarted = ContinuousClock.now
        async let pass: (HistoryCompaction.Report, Int) = withCheckedThrowingContinuation { continuation in
            NamedThread.start("retention") {
                do {
                    let report = try HistoryCompaction.run(runtime.store, signals: nil, policy: RetentionPolicy(missions: 0), archive: nil)
                    continuation.resume(returning: (report, (ContinuousClock.now - passStarted).milliseconds))
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
        let during = try await submissions(runtime, for: window)
        let (report, passMs) = try await pass
        let after = try await submissions(runtime, for: window)
        await runtime.close()
        let ratio = Double(during) / (Double(before + after) / 2)
        Measure.report("history-compaction", [
            "missions": "\(missions)", "segments": "\(segmentsBefore)", "open_ms": "\(openMs)",
            "dropped_segments": "\(report.droppedSegments)", "aged_out": "\(report.plan.agedOut)", "forgotten": "\(report.forgotten)",
            "pass_ms": "\(passMs)", "window_s": "\(window.milliseconds / 1000)",
            "posts_per_s_before": Measure.format(Double(before) / Double(window.milliseconds) * 1000, 0),
            "posts_per_s_during": Measure.format(Double(during) / Double(window.milliseconds) * 1000, 0),
            "posts_per_s_after": Measure.format(Double(after) / Double(window.milliseconds) * 1000, 0),
            "ratio": Measure.format(ratio, 3),
        ])
    }

    /// Missions durably created by 64 concurrent submitters within `window`.
    static func submissions(_ runtime: MissionRuntime, for window: Duration) async throws -> Int {
        let deadline = ContinuousClock.now + window
        return try await withThrowingTaskGroup(of: Int.self) { group in
            for c in 0..<64 {
                group.addTask {
                    var made = 0
                    while ContinuousClock.now < deadline {
                        let request = MissionRequest(objective: Objective(type: "echo", description: "load \(c) \(made) \(UInt64.random(in: 0..<UInt64.max))"),
                                                     source: MissionSource(channel: .api))
                        _ = try await runtime.submit(request)
                        made += 1
                    }
                    return made
                }
            }
            return try await group.reduce(0, +)
        }
    }
}
