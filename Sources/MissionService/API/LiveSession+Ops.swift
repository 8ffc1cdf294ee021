import MissionModel
import MissionStore
/// The client ops of CONTRACT §5: subscribe, unsubscribe, chat, auth, ping.
extension LiveSession {
    func handle(_ text: String, in group: inout TaskGroup<Void>) async {
        guard let value = try? JSONParser.parse(text), case .object(let op) = value else {
            sendError("invalid_json", "each message is one JSON object, e.g. {\"op\":\"subscribe\",\"room\":\"missions\"}")
            return
        }
        let operation = op["op"]?.stringValue
        if operation != "auth", operation != "ping", !state.withLock({ $0.readable }) {
            return sendError("unauthorized", "this server needs a token to read: send {\"op\":\"auth\",\"token\":\"...\"} first")
        }
        switch operation {
        case "subscribe": subscribe(op, in: &group)
        case "unsubscribe":
            guard let room = op["room"]?.stringValue.flatMap(LiveRoom.init) else { return sendError("invalid_request", "unsubscribe needs a room") }
            state.withLock { $0.rooms.removeValue(forKey: room) }?.fire(.user)
        case "chat": await chat(op)
        case "auth": authenticate(op, in: &group)
        case "ping": send(["type": .string("pong")])
        default:
            sendError("unknown_op", "op must be one of subscribe, unsubscribe, chat, auth, ping")
        }
    }

    /// The `auth` op: the write token may do everything, the read token may read (CONTRACT §9).
    /// A session that could not read until now is greeted.
    private func authenticate(_ op: JSONObject, in group: inout TaskGroup<Void>) {
        let configuration = feed.configuration
        let candidate = Array((op["token"]?.stringValue ?? "").utf8)
        let writes = configuration.token?.matches(candidate) ?? false
        let reads = writes || (configuration.readToken?.matches(candidate) ?? false)
        guard configuration.token == nil && configuration.readToken == nil || reads else {
            return sendError("unauthorized", "that token is not this server's")
        }
        let greet = state.withLock { state -> (room: String, since: String?)?? in
            if writes || configuration.token == nil { state.authorized = true }
            guard !state.readable else { return .none }
            state.readable = true
            defer { state.pendingRoom = nil }
            return .some(state.pendingRoom)
        }
        send(["type": .string("auth_ok")])
        if let greet { self.greet(room: greet?.room, since: greet?.since, in: &group) }
    }

    func subscribe(_ op: JSONObject, in group: inout TaskGroup<Void>) {
        guard let name = op["room"]?.stringValue, let room = LiveRoom(name) else {
            return sendError("invalid_request", "room must be missions, signals or mission:ID")
        }
        var since: Int?
        if let value = op["since"] {
            guard let number = value.intValue, number >= 0 else { return sendError("invalid_request", "since must be a seq, 0 or more") }
            since = number
        }
        // Records after `since` that retention dropped cannot be sent: the client is told where
        // the kept log begins (CONTRACT §10) instead of being sent a gap.
        if let since, let gone = goneFrame(since, log: (room == .signals ? feed.signalsHub : feed.missionsHub).log) { return send(gone) }
        let stop = CancellationSignal()
        let (previous, admitted) = state.withLock { state -> (CancellationSignal?, Bool) in
            guard state.rooms[room] != nil || state.rooms.count < feed.configuration.maxRoomsPerConnection else { return (nil, false) }
            defer { state.rooms[room] = stop }
            return (state.rooms[room], true)
        }
        guard admitted else { return sendError("too_many_rooms", "at most \(feed.configuration.maxRoomsPerConnection) rooms per connection") }
        previous?.fire(.user)
        group.addTask { await self.follow(room, since: since, stop: stop) }
    }

    /// The `gone` error for a client that would read after `since` where retention dropped
    /// records (CONTRACT §10); nil when every record after `since` is kept (or `since` is 0,
    /// "everything there is").
    private func goneFrame(_ since: Int, log: any RecordLog) -> JSONObject? {
        let first = log.firstSeq
        guard since > 0, since < first - 1 else { return nil }
        return ["type": .string("error"), "code": .string("gone"), "first_seq": .int(first),
                "message": .string("since \(since) is before the first seq still kept, \(first): older records were dropped by retention; subscribe with since \(first - 1), or without since for a snapshot")]
    }

    /// Sends the room's snapshot (without `since`), then every later record of the room in seq
    /// order: read from the log at the client's pace until caught up, then from the hub; when
    /// the hub finds the client's queue full, back to the log from where it stopped.
    private func follow(_ room: LiveRoom, since: Int?, stop: CancellationSignal) async {
        let hub = room == .signals ? feed.signalsHub : feed.missionsHub
        let subscription = LiveHub.Subscription(room: room, outbound: outbound, position: since ?? sendSnapshot(room))
        defer { hub.remove(subscription) }
        while stop.reason == nil {
            // A client this far behind when retention dropped what it had yet to read.
            if let gone = goneFrame(subscription.position, log: hub.log) { return send(gone) }
            let entries: [LogEntry]
            do {
                entries = try await hub.log.entries(after: subscription.position, limit: 256)
            } catch {
                return sendError("internal_error", "reading the log failed: \(error)")
            }
            if let last = entries.last {
                for entry in entries where room.carries(entry) {
                    guard stop.reason == nil, await outbound.pushWhenRoom(LiveHub.eventFrame(entry, room: room)) else { return }
                }
                subscription.state.withLock { $0.position = last.seq }
                continue
            }
            // Caught up with the log. If the hub is not ahead, it takes over until it detaches
            // us (queue full) or we stop; if it is ahead, what it handed out is in the log: read on.
            guard let detached = hub.join(subscription) else { continue }
            let stopped = await withTaskGroup(of: Bool.self) { group in
                group.addTask { await detached.wait() != nil && stop.reason == nil ? false : true }
                group.addTask { _ = await stop.wait(); return true }
                let first = await group.next() ?? true
                group.cancelAll()
                return first
            }
            if stopped { return }
        }
    }

    /// The snapshot message; returns the seq it stands at (events follow from there).
    private func sendSnapshot(_ room: LiveRoom) -> Int {
        var message: JSONObject = ["type": .string("snapshot"), "room": .string(room.name)]
        let seq: Int
        switch room {
        case .missions:
            let (at, missions, total) = feed.runtime.store.board.listWithSeq(limit: feed.configuration.snapshotMissions)
            seq = at
            message["seq"] = .int(seq)
            message["missions"] = .array(missions.map { .object($0.summaryJSON) })
            message["total"] = .int(total)
        case .mission(let id):
            let (at, board) = feed.runtime.store.board.whiteboardWithSeq(id)
            seq = at
            message["seq"] = .int(seq)
            message["whiteboard"] = board.flatMap { $0.isCreated ? .object(feed.runtime.liveJSON($0)) : nil } ?? .null
        case .signals:
            seq = feed.runtime.signals.log.lastSeq
            message["seq"] = .int(seq)
        }
        send(message)
        return seq
    }

    private func chat(_ op: JSONObject) async {
        guard state.withLock({ $0.authorized }) else {
            return sendError("unauthorized", "chat changes state: send {\"op\":\"auth\",\"token\":\"...\"} first")
        }
        guard let message = op["message"]?.stringValue else { return sendError("invalid_request", "chat needs a message") }
        do {
            let envelope = try await feed.orchestrator.handle(ChatRequest(message: message, sessionID: op["session_id"]?.stringValue, channel: .ws))
            send(["type": .string("chat_reply"), "envelope": .object(envelope.json)])
        } catch {
            if let refusal = APIError.from(error) {
                sendError(refusal.code, refusal.message)
            } else {
                sendError("internal_error", "the chat message could not be handled: \(error)")
            }
        }
    }
}
