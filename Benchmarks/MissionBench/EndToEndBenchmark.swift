import MissionNet
import MissionStore
import Foundation
import MissionService

/// End-to-end missions/s (issue 8): N echo missions POSTed to `/api/missions` over C
/// keep-alive connections, timed from the first POST until a WebSocket subscribed to the
/// `missions` room has seen every one of them end. The reference, measured in the same run by
/// `scripts/bench`, is the same N missions submitted in-process (`reference`): no HTTP, no
/// JSON request parsing, no WebSocket, so the ratio is what the API costs.
enum EndToEndBenchmark {
    static func run(port: Int, pid: Int32, missions: Int, connections: Int) async throws {
        let loop = try EventLoop()
        defer { loop.stop() }
        let startRSS = Measure.currentRSSMegabytes(of: pid)
        let watcher = try await WebSocketClient.connect(host: "127.0.0.1", port: port, target: "/ws?room=missions", loop: loop)
        for _ in 0..<2 { _ = try await watcher.receive(deadline: EventLoop.deadline(after: .seconds(30))) }  // hello, snapshot
        let start = ContinuousClock.now
        let (posted, ended) = try await withThrowingTaskGroup(of: Duration?.self) { group in
            group.addTask {
                try await withThrowingTaskGroup(of: Void.self) { posters in
                    for c in 0..<connections {
                        posters.addTask {
                            let client = try await BenchHTTPClient(port: port, loop: loop)
                            for n in stride(from: c, to: missions, by: connections) {
                                let answer = try await client.post("/api/missions", json: #"{"objective":{"type":"echo","description":"end to end \#(n)"}}"#)
                                guard answer.status == 202 else { throw BenchError.failed("POST answered \(answer.status): \(String(decoding: answer.body, as: UTF8.self))") }
                            }
                        }
                    }
                    try await posters.waitForAll()
                }
                return ContinuousClock.now - start
            }
            group.addTask {
                var terminal = 0
                while terminal < missions {
                    guard case .text(let text) = try await watcher.receive(deadline: EventLoop.deadline(after: .seconds(120))) else { continue }
                    if isTerminalStatus(text) { terminal += 1 }
                }
                return nil
            }
            var posted: Duration?
            for try await finished in group where finished != nil { posted = finished }
            return (posted!, ContinuousClock.now - start)
        }
        await watcher.close()
        Measure.report("e2e", ["server": "mission", "missions": "\(missions)", "connections": "\(connections)",
                               "post_seconds": Measure.format(Measure.seconds(posted), 3), "seconds": Measure.format(Measure.seconds(ended), 3),
                               "per_second": Measure.format(Double(missions) / Measure.seconds(ended)),
                               "rss_start_mb": Measure.format(startRSS, 1), "peak_rss_mb": Measure.format(Measure.peakRSSMegabytes(of: pid), 1)])
    }

    /// The same missions submitted from C tasks straight to the runtime, the executor running
    /// in this process; done when the log holds a terminal record for each.
    static func reference(directory: String, missions: Int, concurrency: Int) async throws {
        let runtime = try MissionRuntime(MissionRuntime.Options(dataDirectory: DataDirectory(path: directory)))
        let start = ContinuousClock.now
        let ended = try await withThrowingTaskGroup(of: Duration?.self) { group in
            group.addTask { await runtime.executor.run(); return nil }
            group.addTask {
                var terminal = 0
                for try await entry in runtime.store.log.follow(after: runtime.store.log.lastSeq) {
                    if isTerminalStatus(entry.line) { terminal += 1 }
                    if terminal == missions { break }
                }
                return ContinuousClock.now - start
            }
            group.addTask {
                try await IntakeBenchmark.submit(missions, to: runtime, from: concurrency, label: "end to end")
                return nil
            }
            var ended: Duration?
            while ended == nil, let next = try await group.next() { ended = next }
            await runtime.executor.shutdown(grace: .seconds(10))
            try await group.waitForAll()
            return ended!
        }
        await runtime.close()
        Measure.report("e2e", ["server": "in-process", "missions": "\(missions)", "connections": "\(concurrency)",
                               "seconds": Measure.format(Measure.seconds(ended), 3), "per_second": Measure.format(Double(missions) / Measure.seconds(ended)),
                               "peak_rss_mb": Measure.format(Measure.peakRSSMegabytes(), 1)])
    }

    /// Whether a record (or an `event` frame carrying one) ends its mission, read off its bytes
    /// (`firstIndex(ofSequence:)`: the stdlib's generic search cost more than the executor).
    static func isTerminalStatus(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard bytes.firstIndex(ofSequence: statusUpdate) != nil, let key = bytes.firstIndex(ofSequence: statusKey) else { return false }
        let value = bytes[(key + statusKey.count)...]
        return terminal.contains { value.starts(with: $0) }
    }

    static func isTerminalStatus(_ line: [UInt8]) -> Bool {
        line.withUnsafeBufferPointer { isTerminalStatus($0) }
    }

    static func isTerminalStatus(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { isTerminalStatus($0) }
    }

    private static let statusUpdate = Array(#""event_type":"mission_status_update""#.utf8)
    private static let statusKey = Array(#""status":""#.utf8)
    private static let terminal = ["completed\"", "failed\"", "cancelled\""].map { Array($0.utf8) }
}
