import MissionModel
import MissionNet
import Foundation
import MissionService

/// `/ws` delivery latency (issue 6): N subscribers, one publisher at R events/s; each event
/// carries the publisher's CLOCK_MONOTONIC time, each subscriber notes its own on receipt. The
/// subscribers are plain sockets read by one thread (`RawSubscribers`).
/// Against `mission serve` the publisher POSTs /api/internal/mission-event (durable: fsync
/// before fan-out); against the reference (`--reference`, scripts/ws_reference.py) it sends
/// the event over its own WebSocket for the server to broadcast.
enum LiveBenchmark {
    struct Options {
        var port: Int
        var mission: String?
        var subscribers: Int
        var events: Int
        var rate: Double
        var reference: Bool
        /// Where the subscribers connect, in turn (cluster mode: other nodes than the
        /// publisher's); empty: `port`.
        var subscriberPorts: [Int] = []
    }

    static func run(_ options: Options) async throws {
        let loop = try EventLoop()
        defer { loop.stop() }
        let target = options.reference ? "/" : "/ws?room=mission:\(options.mission ?? "")"
        // Ready once subscribed: hello (and, for ours, the snapshot) has arrived.
        let subscribers = try RawSubscribers(ports: options.subscriberPorts.isEmpty ? [options.port] : options.subscriberPorts,
                                             target: target, count: options.subscribers,
                                             framesBeforeReady: options.reference ? 1 : 2)
        let samples = try await withThrowingTaskGroup(of: [Double].self) { group in
            group.addTask {
                // One thread polls every subscriber, off the pool the publisher runs on.
                try await withCheckedThrowingContinuation { continuation in
                    Thread { continuation.resume(with: Result { try subscribers.receive(events: options.events, seconds: 60) }) }.start()
                }
            }
            group.addTask {
                try await publish(options, loop: loop)
                return []
            }
            var all: [Double] = []
            for try await part in group { all += part }
            return all
        }
        let sorted = samples.sorted()
        func percentile(_ p: Double) -> String {
            sorted.isEmpty ? "-" : Measure.format(sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))], 2)
        }
        Measure.report("ws_latency", ["server": options.reference ? "python-websockets" : "mission",
                                      "nodes": "\(max(1, options.subscriberPorts.count))", "subscribers": "\(options.subscribers)",
                                      "events": "\(options.events)", "rate": Measure.format(options.rate), "samples": "\(sorted.count)",
                                      "p50_ms": percentile(0.50), "p95_ms": percentile(0.95), "p99_ms": percentile(0.99),
                                      "max_ms": sorted.last.map { Measure.format($0, 2) } ?? "-"])
    }

    private static func publish(_ options: Options, loop: EventLoop) async throws {
        let interval = Duration.nanoseconds(Int64(1e9 / options.rate))
        var next = ContinuousClock.now
        if options.reference {
            let publisher = try await WebSocketClient.connect(host: "127.0.0.1", port: options.port, target: "/", loop: loop)
            _ = try await publisher.receive()
            for n in 0..<options.events {
                try await Task.sleep(until: next)
                next += interval
                try await publisher.send(#"{"publish":{"n":\#(n),"sent_ns":\#(EventLoop.now())}}"#)
            }
            await publisher.close()
            return
        }
        let client = try await BenchHTTPClient(port: options.port, loop: loop)
        for n in 0..<options.events {
            try await Task.sleep(until: next)
            next += interval
            let body = #"{"mission_id":"\#(options.mission ?? "")","event":"progress","phase":"bench","message":"\#(n)","metadata":{"sent_ns":\#(EventLoop.now())}}"#
            let answer = try await client.post("/api/internal/mission-event", json: body)
            guard answer.status == 200 else { throw BenchError.failed(String(decoding: answer.body, as: UTF8.self)) }
        }
    }

    /// The number after `"sent_ns":` in a message, without parsing the whole message.
    static func sentTime(in text: String) -> UInt64? {
        guard let range = text.range(of: #""sent_ns""#) else { return nil }
        let rest = text[range.upperBound...].drop { $0 == ":" || $0 == " " }
        return UInt64(rest.prefix { $0.isNumber })
    }

    /// Connects and disconnects `cycles` clients (`batch` at a time), printing the server's
    /// resident memory as it goes: it must stay flat.
    static func cycles(port: Int, pid: Int32, cycles: Int, batch size: Int = 20, reference: Bool) async throws {
        let loop = try EventLoop()
        defer { loop.stop() }
        let target = reference ? "/" : "/ws?room=missions"
        var fields: [(String, String)] = [("start_mb", Measure.format(Measure.currentRSSMegabytes(of: pid), 1))]
        var done = 0
        while done < cycles {
            let batch = min(size, cycles - done)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<batch {
                    group.addTask {
                        let client = try await WebSocketClient.connect(host: "127.0.0.1", port: port, target: target, loop: loop)
                        _ = try await client.receive(deadline: EventLoop.deadline(after: .seconds(30)))
                        await client.close()
                    }
                }
                try await group.waitForAll()
            }
            done += batch
            if done == max(1000, size) || done == cycles { fields.append(("after_\(done)_mb", Measure.format(Measure.currentRSSMegabytes(of: pid), 1))) }
        }
        print((["ws_cycles", "server=\(reference ? "python-websockets" : "mission")", "cycles=\(cycles)", "batch=\(size)"]
               + fields.map { "\($0.0)=\($0.1)" }).joined(separator: "  "))
    }
}

enum BenchError: Error {
    case failed(String)
}
