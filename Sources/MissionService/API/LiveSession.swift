import MissionModel
import MissionNet
/// One `/ws` client (CONTRACT §5). Its reader handles frames and ops; one writer sends what the
/// bounded outbound queue holds; each room it watches has a follower that reads the log from a
/// seq on and waits for room in the queue. So a client that falls behind is never sent a gap
/// and never slows anyone else: its followers simply pause, then catch up from the log.
final class LiveSession: Sendable {
    struct State {
        var authorized: Bool
        /// May read (CONTRACT §9 roles): false until a read token is shown, when one is set.
        var readable: Bool
        /// The room named in the upgrade's query, subscribed once the session may read.
        var pendingRoom: (room: String, since: String?)?
        var rooms: [LiveRoom: CancellationSignal] = [:]
    }

    /// What one read takes from a client. Client messages are small ops; a long one is
    /// assembled over several reads. One buffer per connection, so thousands of them add up.
    static let readBufferBytes = 8 << 10

    let feed: LiveFeed
    let socket: WebSocketSocket
    let outbound: OutboundQueue
    let state: Locked<State>
    private var configuration: LiveFeed.Configuration { feed.configuration }

    init(feed: LiveFeed, socket: WebSocketSocket, authorized: Bool, readable: Bool) {
        self.feed = feed
        self.socket = socket
        outbound = OutboundQueue(capacity: feed.configuration.maxQueuedBytes, fd: socket.fd)
        state = Locked(State(authorized: authorized, readable: readable))
    }

    func run(leftover: [UInt8], room: String?, since: String?) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.writeLoop() }
            let readable = state.withLock { state in
                if !state.readable, let room { state.pendingRoom = (room, since) }
                return state.readable
            }
            if readable { greet(room: room, since: since, in: &group) }
            await readLoop(leftover, in: &group)
            for signal in state.withLock({ Array($0.rooms.values) }) { signal.fire(.user) }
            outbound.close()
        }
    }

    /// `hello`, then the room the upgrade named: once the session may read.
    func greet(room: String?, since: String?, in group: inout TaskGroup<Void>) {
        send(["type": .string("hello"), "protocol": .int(1), "seq": .int(feed.runtime.store.log.lastSeq)])
        if let room {
            var op: JSONObject = ["op": .string("subscribe"), "room": .string(room)]
            if let since { op["since"] = Int(since).map(JSONValue.int) ?? .string(since) }
            subscribe(op, in: &group)
        }
    }

    // MARK: Reading

    private func readLoop(_ leftover: [UInt8], in group: inout TaskGroup<Void>) async {
        var decoder = WebSocketFrameDecoder(expectMasked: true, maxPayload: configuration.maxMessageBytes)
        var assembler = WebSocketMessageAssembler(maxMessage: configuration.maxMessageBytes)
        decoder.append(leftover)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.readBufferBytes, alignment: 1)
        defer { buffer.deallocate() }
        var pinged = false
        while true {
            switch decoder.next() {
            case .frame(let frame):
                pinged = false
                switch assembler.receive(frame) {
                case nil, .pong: continue
                case .text(let text):
                    feed.metrics.received()
                    await handle(text, in: &group)
                case .ping(let payload):
                    outbound.push(WebSocketFrameEncoder.encode(.pong, payload))
                case .close(let code, _):
                    // §5.5.1: answer with the code received (1000 when none), then end.
                    outbound.push(WebSocketFrameEncoder.close(code: code ?? WebSocketCloseCode.normal, reason: ""))
                    return
                case .fail(let code, let reason):
                    await close(code, reason, decoder: &decoder, buffer)
                    return
                }
            case .error(let code, let reason):
                await close(code, reason, decoder: &decoder, buffer)
                return
            case .needMoreData:
                do {
                    let count = try await socket.read(into: buffer, deadline: EventLoop.deadline(after: configuration.pingInterval))
                    guard count > 0 else {
                        // The peer went away, or the server drains (it shut our reading side).
                        outbound.push(WebSocketFrameEncoder.close(code: WebSocketCloseCode.goingAway, reason: "closing"))
                        return
                    }
                    decoder.append(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
                } catch SocketError.timedOut where !pinged {
                    pinged = true
                    outbound.push(WebSocketFrameEncoder.encode(.ping, []))
                } catch {
                    // Silent for two ping intervals (a dead peer), the socket failed, or the
                    // server stops (cancelled): say goodbye, in case anyone still listens.
                    outbound.push(WebSocketFrameEncoder.close(code: WebSocketCloseCode.goingAway, reason: "closing"))
                    return
                }
            }
        }
    }

    /// Sends our close frame, then reads (and drops) until the peer's close or the timeout (§7.1.1).
    private func close(_ code: UInt16, _ reason: String, decoder: inout WebSocketFrameDecoder, _ buffer: UnsafeMutableRawBufferPointer) async {
        outbound.push(WebSocketFrameEncoder.close(code: code, reason: reason))
        let deadline = EventLoop.deadline(after: configuration.closeTimeout)
        // After a protocol error the stream is not trusted: only wait for the peer to hang up.
        guard code != WebSocketCloseCode.protocolError && code != WebSocketCloseCode.messageTooBig else {
            while let count = try? await socket.read(into: buffer, deadline: deadline), count > 0 {}
            return
        }
        while true {
            switch decoder.next() {
            case .frame(let frame) where frame.opcode == .close: return
            case .frame: continue
            case .error: return
            case .needMoreData:
                guard let count = try? await socket.read(into: buffer, deadline: deadline), count > 0 else { return }
                decoder.append(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            }
        }
    }

    // MARK: Writing

    private func writeLoop() async {
        while let frame = await outbound.next() {
            do {
                try await socket.write(frame, deadline: EventLoop.deadline(after: configuration.slowConsumerTimeout))
                outbound.finishedWrite()
                feed.metrics.sent()
            } catch {
                if case SocketError.timedOut = error {
                    feed.metrics.slowConsumer()
                    socket.writeNow(WebSocketFrameEncoder.close(code: WebSocketCloseCode.policyViolation, reason: "slow consumer"))
                }
                // The reader ends when its side is shut; followers when the queue closes.
                outbound.close()
                socket.shutdownReading()
                return
            }
        }
    }

    func send(_ message: JSONObject) {
        outbound.push(WebSocketFrameEncoder.encode(.text, JSONWriter.encode(message)))
    }

    func sendError(_ code: String, _ message: String) {
        send(["type": .string("error"), "code": .string(code), "message": .string(message)])
    }
}
