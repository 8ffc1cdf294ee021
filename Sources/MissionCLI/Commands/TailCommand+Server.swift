import MissionService
import MissionModel
import MissionNet
import MissionStore
import Foundation

/// `mission tail --server URL`: the same output as the local tail, from a running server's
/// `/ws` (and, for one mission's past records, its events endpoint).
extension TailCommand {
    static func executeRemote(_ context: CommandContext, server: ServerClient, which: String) async throws -> Int32 {
        let mission = context.parsed.value("--mission")
        let since = try context.parsed.int("--since", in: 0...Int.max)
        let follow = context.parsed.has("--follow")
        let json = context.json
        let show: @Sendable (LogEntry) -> Void = { entry in Console.out(json ? entry.text : RecordFormatter.line(entry)) }
        guard let host = server.base.host, server.base.scheme == "http" else {
            throw CommandFailure("tail --server needs an http:// URL (the WebSocket is ws:// on the same port)")
        }
        let room = which == "signals" ? "signals" : mission.map { "mission:\($0)" } ?? "missions"
        var start = since
        if let mission, since == nil || !follow {
            // One mission's past records come from its events endpoint (one request): all of
            // them after --since, or the last 10; following goes on over the WebSocket from there.
            let events = try await server.request("GET", "/api/missions/\(mission)/events", query: [("since", String(since ?? 0))])
                .body.objectValue?["events"]?.arrayValue?.compactMap(\.objectValue) ?? []
            let shown = since == nil ? Array(events.suffix(defaultCount)) : events
            if !follow {
                for record in shown { show(LogEntry(seq: record["seq"]?.intValue ?? 0, line: JSONWriter.encode(record), key: record["mission_id"]?.stringValue, record: record)) }
                return ExitStatus.success
            }
            start = (shown.first?["seq"]?.intValue).map { $0 - 1 } ?? 0
        }
        let port = server.base.port ?? 80
        let headers: [String: String] = server.token.map { ["Authorization": "Bearer \($0)"] } ?? [:]
        let loop = try EventLoop()
        defer { loop.stop() }
        let client = try await WebSocketClient.connect(host: host, port: port, target: "/ws", headers: headers, loop: loop)
        let hello = try await Self.nextJSON(client)
        // Where the log stands now: hello tells for missions.jsonl; a snapshot tells for signals.
        var end = hello["seq"]?.intValue ?? 0
        if which == "signals" {
            try await client.send(JSONWriter.string(.object(["op": .string("subscribe"), "room": .string("signals")])))
            end = try await Self.waitFor("snapshot", client)["seq"]?.intValue ?? 0
            try await client.send(JSONWriter.string(.object(["op": .string("unsubscribe"), "room": .string("signals")])))
        }
        let first = start ?? max(0, end - defaultCount)
        guard follow || first < end else {
            await client.close()
            return ExitStatus.success
        }
        let signals = ProcessSignals.stream()
        let last = end
        let printed = Locked(first)
        let outcome: Int32 = try await withThrowingTaskGroup(of: Int32.self) { group in
            group.addTask {
                for await _ in signals { break }
                return ExitStatus.success
            }
            group.addTask { [client] in
                var connection: WebSocketClient? = client
                var lostAt: ContinuousClock.Instant?
                var backoff = Self.reconnectBackoff
                while true {
                    do {
                        let current: WebSocketClient
                        if let open = connection {
                            current = open
                            connection = nil
                        } else {
                            current = try await WebSocketClient.connect(host: host, port: port, target: "/ws", headers: headers, loop: loop)
                            Console.err("mission tail: reconnected to \(server.base.absoluteString); resuming after seq \(printed.withLock { $0 })")
                        }
                        lostAt = nil
                        backoff = Self.reconnectBackoff
                        do {
                            try await Self.stream(current, room: room, printed: printed, until: follow ? nil : last, show: show)
                        } catch {
                            await current.close()
                            throw error
                        }
                        await current.close()
                        return ExitStatus.success
                    } catch {
                        // Without --follow there is nothing to resume; with it, the protocol
                        // resumes from the last seq printed, without loss or repeat.
                        guard follow, !(error is CancellationError) else { throw error }
                        let now = ContinuousClock.now
                        if lostAt == nil {
                            lostAt = now
                            Console.err("mission tail: lost \(server.base.absoluteString) (\(error)); reconnecting for up to \(Self.reconnectLimit.milliseconds / 1000) s")
                        }
                        guard now - lostAt! < Self.reconnectLimit else {
                            throw CommandFailure("\(server.base.absoluteString) went away and did not come back within \(Self.reconnectLimit.milliseconds / 1000) s (last seq printed: \(printed.withLock { $0 }))")
                        }
                        try await Task.sleep(for: backoff)
                        backoff = min(backoff * 2, Self.maxReconnectBackoff)
                    }
                }
            }
            let first = try await group.next()!
            group.cancelAll()
            return first
        }
        return outcome
    }

    /// Subscribes from the last seq printed and prints the room's records until seq `until`
    /// (nil: for ever); throws when the connection ends first.
    private static func stream(_ client: WebSocketClient, room: String, printed: Locked<Int>, until last: Int?,
                               show: @Sendable (LogEntry) -> Void) async throws {
        try await client.send(JSONWriter.string(.object(["op": .string("subscribe"), "room": .string(room),
                                                         "since": .int(printed.withLock { $0 })])))
        while true {
            switch try await client.receive() {
            case .closed(let code, let reason):
                throw CommandFailure("the server closed the WebSocket (\(code.map(String.init) ?? "no code"))\(reason.isEmpty ? "" : ": \(reason)")")
            case .text(let text):
                guard let entry = entry(fromEvent: text), entry.seq > printed.withLock({ $0 }) else { continue }
                show(entry)
                printed.withLock { $0 = entry.seq }
                if let last, entry.seq >= last { return }
            }
        }
    }

    /// How long `tail --server --follow` keeps trying to reach a server that went away, and
    /// the waits between tries (doubling).
    static let reconnectLimit: Duration = .seconds(60)
    static let reconnectBackoff: Duration = .milliseconds(200)
    static let maxReconnectBackoff: Duration = .seconds(5)

    /// The record of an `event` message, with its line exactly as stored (the server splices
    /// the stored line in after `"event":`).
    static func entry(fromEvent text: String) -> LogEntry? {
        let bytes = Array(text.utf8)
        guard bytes.starts(with: Array(#"{"type":"event""#.utf8)), let marker = bytes.firstRange(of: Array(#","event":"#.utf8)),
              let seqValue = (try? JSONParser.parse(text))?.objectValue?["seq"]?.intValue else { return nil }
        let line = Array(bytes[marker.upperBound..<(bytes.count - 1)])
        guard let record = (try? JSONParser.parse(line))?.objectValue else { return nil }
        return LogEntry(seq: seqValue, line: line, key: record["mission_id"]?.stringValue, record: record)
    }

    private static func nextJSON(_ client: WebSocketClient) async throws -> JSONObject {
        switch try await client.receive(deadline: EventLoop.deadline(after: ServerClient.timeout)) {
        case .text(let text): return (try? JSONParser.parse(text))?.objectValue ?? [:]
        case .closed(let code, let reason): throw CommandFailure("the server closed the WebSocket (\(code.map(String.init) ?? "no code")): \(reason)")
        }
    }

    private static func waitFor(_ type: String, _ client: WebSocketClient) async throws -> JSONObject {
        while true {
            let message = try await nextJSON(client)
            if message["type"] == .string(type) { return message }
            if message["type"] == .string("error") { throw CommandFailure("the server refused: \(message["message"]?.stringValue ?? "?")") }
        }
    }
}
