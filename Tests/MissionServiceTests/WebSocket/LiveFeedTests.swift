import MissionModel
import MissionNet
import Foundation
import MissionTestSupport
import Testing
@testable import MissionService

extension LiveServer {
    func webSocket(_ target: String = "/ws", headers: [String: String] = [:]) async throws -> WebSocketClient {
        try await WebSocketClient.connect(host: "127.0.0.1", port: port, target: target, headers: headers, loop: loop, timeout: hangLimit)
    }
}

extension WebSocketClient {
    /// The next message as JSON, failing the test after 20 s.
    func json() async throws -> JSONObject {
        switch try await receive(deadline: EventLoop.deadline(after: hangLimit)) {
        case .text(let text): return try JSONParser.parse(text).objectValue ?? [:]
        case .closed(let code, let reason): return ["closed": .int(Int(code ?? 0)), "reason": .string(reason)]
        }
    }

    /// Event seqs of `room` until `last` is seen (skipping other messages).
    func eventSeqs(through last: Int) async throws -> [Int] {
        var seqs: [Int] = []
        while seqs.last ?? 0 < last {
            let message = try await json()
            if message["closed"] != nil { break }
            if message["type"] == .string("event"), let seq = message["seq"]?.intValue { seqs.append(seq) }
        }
        return seqs
    }
}

/// `/ws` over real sockets: the protocol of CONTRACT §5, resume without gaps, slow clients.
@Suite struct LiveFeedTests {
    @Test func hello_snapshot_then_every_event_of_a_chat_made_mission() async throws {
        let live = try LiveServer()
        let ws = try await live.webSocket()
        #expect(try await ws.json() == ["type": .string("hello"), "protocol": .int(1), "seq": .int(0)])
        try await ws.send(#"{"op":"subscribe","room":"missions"}"#)
        let snapshot = try await ws.json()
        #expect(snapshot["type"] == .string("snapshot"))
        #expect(snapshot["missions"] == .array([]))
        try await ws.send(#"{"op":"chat","message":"echo over ws"}"#)
        var reply: JSONObject?
        var seqs: [Int] = []
        while seqs.count < 5 {
            let message = try await ws.json()
            if message["type"] == .string("chat_reply") { reply = message["envelope"]?.objectValue }
            if message["type"] == .string("event") {
                seqs.append(message["seq"]!.intValue!)
                // The record exactly as stored, seq first.
                #expect(message["event"]?.objectValue?["seq"] == message["seq"])
            }
        }
        #expect(seqs == [1, 2, 3, 4, 5])
        #expect(reply?["type"] == .string("mission_started"))
        try await ws.send(#"{"op":"ping"}"#)
        #expect(try await ws.json()["type"] == .string("pong"))
        await ws.close()
        try await live.stop()
    }

    @Test func chat_needs_the_token_when_one_is_set_by_header_or_auth_op() async throws {
        let live = try LiveServer { $0.token = BearerToken("tk") }
        let anonymous = try await live.webSocket()
        _ = try await anonymous.json()
        try await anonymous.send(#"{"op":"chat","message":"echo x"}"#)
        #expect(try await anonymous.json()["code"] == .string("unauthorized"))
        try await anonymous.send(#"{"op":"auth","token":"nope"}"#)
        #expect(try await anonymous.json()["code"] == .string("unauthorized"))
        try await anonymous.send(#"{"op":"auth","token":"tk"}"#)
        #expect(try await anonymous.json()["type"] == .string("auth_ok"))
        try await anonymous.send(#"{"op":"chat","message":"echo x"}"#)
        #expect(try await anonymous.json()["type"] == .string("chat_reply"))
        let bearer = try await live.webSocket(headers: ["Authorization": "Bearer tk"])
        _ = try await bearer.json()
        try await bearer.send(#"{"op":"chat","message":"echo y"}"#)
        #expect(try await bearer.json()["type"] == .string("chat_reply"))
        try await live.stop()
    }

    @Test func subscribers_resuming_while_records_are_appended_see_every_seq_once_in_order() async throws {
        let live = try LiveServer()
        await live.server.runtime.queue.close()
        let store = live.server.runtime.store
        var ids: [String] = []
        for n in 0..<4 {
            let envelope = try await live.server.orchestrator.submit(MissionRequest(objective: Objective(type: "echo", description: "race \(n)"), source: MissionSource(channel: .api)))
            ids.append(envelope.missionID!)
        }
        let missionIDs = ids
        let appenders = 8, perAppender = 250
        let final = store.log.lastSeq + appenders * perAppender
        // Subscribers join before, during and after the appends, resuming from various seqs.
        let results = try await withThrowingTaskGroup(of: (String, Int, [Int]).self) { group in
            for s in 0..<12 {
                group.addTask {
                    // Staggered by the appends' progress: some join before, most during.
                    _ = await store.log.waitForCommit(after: final - appenders * perAppender + s * 150 - 1)
                    let since = s % 3 == 0 ? 0 : store.log.lastSeq / (s % 3 + 1)
                    let ws = try await live.webSocket(s % 4 == 3 ? "/ws" : "/ws?room=missions&since=\(since)")
                    var start = since
                    if s % 4 == 3 {
                        _ = try await ws.json()
                        try await ws.send(#"{"op":"subscribe","room":"missions"}"#)
                        var snapshot = try await ws.json()
                        while snapshot["type"] != .string("snapshot") { snapshot = try await ws.json() }
                        start = snapshot["seq"]!.intValue!
                    }
                    let seqs = try await ws.eventSeqs(through: final)
                    await ws.close()
                    return ("subscriber \(s)", start, seqs)
                }
            }
            for a in 0..<appenders {
                group.addTask {
                    for i in 0..<perAppender {
                        try await store.append([MissionEvent(timestamp: .now(), missionID: missionIDs[(a + i) % missionIDs.count],
                                                             body: .progress(MissionProgress(phase: "race", message: "\(a).\(i)")))])
                    }
                    return ("appender", 0, [])
                }
            }
            var results: [(String, Int, [Int])] = []
            for try await result in group where result.0 != "appender" { results.append(result) }
            return results
        }
        #expect(results.count == 12)
        for (name, start, seqs) in results {
            #expect(seqs == Array((start + 1)...final), "\(name) from \(start): \(seqs.count) events")
        }
        try await live.stop()
    }

    @Test func many_subscribers_handed_out_in_parallel_each_get_every_event_in_order() async throws {
        let live = try LiveServer()
        await live.server.runtime.queue.close()
        let envelope = try await live.server.orchestrator.submit(MissionRequest(objective: Objective(type: "echo", description: "many"), source: MissionSource(channel: .api)))
        let start = live.server.runtime.store.log.lastSeq
        let count = LiveHub.parallelFanOut + 44
        var clients: [WebSocketClient] = []
        for _ in 0..<count {
            let ws = try await live.webSocket("/ws?room=missions")
            _ = try await ws.json()
            _ = try await ws.json()
            clients.append(ws)
        }
        let subscribers = clients
        let final = start + 40
        try await withThrowingTaskGroup(of: [Int].self) { group in
            for ws in subscribers { group.addTask { try await ws.eventSeqs(through: final) } }
            for i in 0..<40 {
                try await live.server.runtime.store.append([MissionEvent(timestamp: .now(), missionID: envelope.missionID!,
                                                                         body: .progress(MissionProgress(phase: "many", message: "\(i)")))])
            }
            var received = 0
            for try await seqs in group {
                #expect(seqs == Array((start + 1)...final))
                received += 1
            }
            #expect(received == count)
        }
        try await live.stop()
    }

    @Test func a_mission_room_carries_only_that_missions_records() async throws {
        let live = try LiveServer()
        await live.server.runtime.queue.close()
        let first = try await live.server.orchestrator.submit(MissionRequest(objective: Objective(type: "echo", description: "one"), source: MissionSource(channel: .api)))
        let ws = try await live.webSocket("/ws?room=mission:\(first.missionID!)")
        _ = try await ws.json()
        let snapshot = try await ws.json()
        #expect(snapshot["whiteboard"]?.objectValue?["status"] == .string("queued"))
        _ = try await live.server.orchestrator.submit(MissionRequest(objective: Objective(type: "echo", description: "two"), source: MissionSource(channel: .api)))
        _ = try await live.request("POST", "/api/missions/\(first.missionID!)/cancel")
        let event = try await ws.json()
        #expect(event["event"]?.objectValue?["mission_id"] == .string(first.missionID!))
        #expect(event["event"]?.objectValue?["status"] == .string("cancelled"))
        try await live.stop()
    }

    @Test(arguments: [
        ("an unmasked frame", WebSocketFrameEncoder.encode(.text, Array("{}".utf8)), WebSocketCloseCode.protocolError),
        ("bad UTF-8", clientFrame(.text, [0xC3, 0x28]), WebSocketCloseCode.invalidPayload),
        ("a message over the limit", clientFrame(.text, [UInt8](repeating: 0x20, count: 5000)), WebSocketCloseCode.messageTooBig),
        ("a bad close code", clientFrame(.close, [0x03, 0xED]), WebSocketCloseCode.protocolError),
        ("a binary message", clientFrame(.binary, [1, 2]), WebSocketCloseCode.unsupportedData),
    ])
    func broken_input_is_closed_with_its_code(_ what: String, _ bytes: [UInt8], _ code: UInt16) async throws {
        let live = try LiveServer { $0.live.maxMessageBytes = 4096 }
        let ws = try await live.webSocket()
        _ = try await ws.json()
        try await ws.sendRaw(bytes)
        #expect(try await ws.json()["closed"] == .int(Int(code)), "\(what)")
        try await live.stop()
    }

    @Test func the_handshake_refuses_a_wrong_version_with_426_and_a_bad_key_with_400() async throws {
        let live = try LiveServer()
        let base = "GET /ws HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        let version = try await live.connect()
        try await version.send(base + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n")
        let refused = try await version.response()
        #expect(refused.status == 426)
        #expect(refused.header("sec-websocket-version") == "13")
        let key = try await live.connect()
        try await key.send(base + "Sec-WebSocket-Key: c2hvcnQ=\r\nSec-WebSocket-Version: 13\r\n\r\n")
        #expect(try await key.response().status == 400)
        let plain = try await live.request("GET", "/ws")
        #expect(plain.status == 400)
        try await live.stop()
    }

    @Test func a_client_that_stops_reading_is_closed_as_a_slow_consumer_and_slows_no_one() async throws {
        let live = try LiveServer {
            $0.live.slowConsumerTimeout = .milliseconds(300)
            $0.live.maxQueuedBytes = 16 << 10
        }
        await live.server.runtime.queue.close()
        let envelope = try await live.server.orchestrator.submit(MissionRequest(objective: Objective(type: "echo", description: "slow"), source: MissionSource(channel: .api)))
        let id = envelope.missionID!
        // The slow one: handshake done, subscribed, then never reads.
        let slow = try await live.webSocket("/ws?room=missions&since=0")
        let reader = try await live.webSocket("/ws?room=missions&since=0")
        // More than the kernel buffers on loopback (a few MB each way) can hold for it.
        let big = String(repeating: "x", count: 16_000)
        let count = 1500
        let final = live.server.runtime.store.log.lastSeq + count
        async let seen = reader.eventSeqs(through: final)
        for i in 0..<count {
            try await live.server.runtime.store.append([MissionEvent(timestamp: .now(), missionID: id, body: .progress(MissionProgress(phase: "fill", message: "\(i) \(big)")))])
        }
        #expect(try await seen == Array(1...final))
        // The slow one was closed for not reading: reading now, it finds a gap-free start of
        // the room, cut off by the end of the connection.
        let cut = try await slow.eventSeqs(through: final)
        #expect(cut == cut.indices.map { $0 + 1 })
        #expect(cut.count < final)
        let metrics = try await live.request("GET", "/metrics")
        #expect(metrics.text.contains("mission_ws_slow_consumers_total 1"))
        #expect(metrics.text.contains("mission_ws_connections_open 1"))
        try await live.stop()
    }
}
