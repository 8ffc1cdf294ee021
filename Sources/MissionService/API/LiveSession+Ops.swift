/// The client ops of CONTRACT §5: subscribe, unsubscribe, chat, auth, ping.
extension LiveSession {
    func handle(_ text: String, in group: inout TaskGroup<Void>) async {
        guard let value = try? JSONParser.parse(text), case .object(let op) = value else {
            sendError("invalid_json", "each message is one JSON object, e.g. {\"op\":\"subscribe\",\"room\":\"missions\"}")
            return
        }
        switch op["op"]?.stringValue {
        case "subscribe": subscribe(op, in: &group)
        case "unsubscribe":
            guard let room = op["room"]?.stringValue.flatMap(LiveRoom.init) else { return sendError("invalid_request", "unsubscribe needs a room") }
            state.withLock { $0.rooms.removeValue(forKey: room) }?.fire(.user)
        case "chat": await chat(op)
        case "auth":
            guard let token = feed.configuration.token else { return send(["type": .string("auth_ok")]) }
            if token.matches(Array((op["token"]?.stringValue ?? "").utf8)) {
                state.withLock { $0.authorized = true }
                send(["type": .string("auth_ok")])
            } else {
                sendError("unauthorized", "that token is not this server's")
            }
        case "ping": send(["type": .string("pong")])
        default:
            sendError("unknown_op", "op must be one of subscribe, unsubscribe, chat, auth, ping")
        }
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

    /// Sends the room's snapshot (without `since`), then every later record of the room in seq
    /// order, pausing while the client's queue is full.
    private func follow(_ room: LiveRoom, since: Int?, stop: CancellationSignal) async {
        let log = room == .signals ? feed.runtime.signals.log : feed.runtime.store.log
        let cursor = since ?? sendSnapshot(room)
        let prefix = Array(#"{"type":"event","room":"#.utf8) + JSONWriter.encode(.string(room.name)) + Array(#","seq":"#.utf8)
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    for try await entry in log.follow(after: cursor) where room.carries(entry) {
                        guard stop.reason == nil else { return }
                        var message = prefix
                        message += String(entry.seq).utf8
                        message += #","event":"#.utf8
                        message += entry.line
                        message.append(UInt8(ascii: "}"))
                        guard await self.outbound.pushWhenRoom(WebSocketFrameEncoder.encode(.text, message)) else { return }
                    }
                } catch {
                    self.sendError("internal_error", "reading the log failed: \(error)")
                }
            }
            group.addTask { _ = await stop.wait() }
            await group.next()
            group.cancelAll()
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
            message["whiteboard"] = board.flatMap { $0.isCreated ? .object($0.json) : nil } ?? .null
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
        } catch let error as ChatError {
            sendError(error.code, error.description)
        } catch {
            sendError("internal_error", "the chat message could not be handled: \(error)")
        }
    }
}
