import MissionNet
/// One client connection: reads requests (pipelined ones in order), asks the responder, writes
/// the answers, and enforces the header deadline and idle timeout. Owned by one child task.
struct HTTPConnection: Sendable {
    // `@unchecked`: the socket is created by the accept loop and from then on used only by
    // this connection's task.
    private struct SocketBox: @unchecked Sendable { let socket: TCPSocket }

    /// Per connection, for its whole life (a WebSocket keeps it too): small, because idle
    /// keep-alive and WebSocket connections are many. Bigger bodies just take more reads.
    static let readBufferBytes = 16 << 10
    private static let continueLine = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)
    /// After an error response, how long unread input is drained before closing, so that the
    /// client reads the response instead of a reset (RFC 9112 §9.6).
    private static let lingerLimit: Duration = .seconds(1)
    /// While the server drains, how long a new connection may take to send its first request.
    private static let drainGrace: Duration = .seconds(1)

    private let box: SocketBox
    private let slot: ConnectionRegistry.Slot
    private let server: HTTPServer
    private var socket: TCPSocket { box.socket }
    private let configuration: HTTPServer.Configuration

    init(socket: TCPSocket, slot: ConnectionRegistry.Slot, server: HTTPServer) {
        box = SocketBox(socket: socket)
        self.slot = slot
        self.server = server
        configuration = server.configuration
    }

    private enum Outcome {
        case keepGoing
        case close
        /// An error was answered; the rest of the input is unread.
        case closeAfterError
    }

    nonisolated(nonsending) func run() async {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.readBufferBytes, alignment: 1)
        var session = Session(buffer: buffer, parser: HTTPRequestParser(limits: configuration.parser))
        defer {
            buffer.deallocate()
            server.registry.closed(slot)
            socket.close()
        }
        do {
            while true {
                switch try await serveOne(&session) {
                case .keepGoing: continue
                case .close:
                    try await flush(&session)
                    return
                case .closeAfterError:
                    try await flush(&session)
                    await linger(buffer)
                    return
                }
            }
        } catch {
            // A peer that hangs up, times out or is cancelled at shutdown: nothing to answer.
        }
    }

    private struct Session {
        let buffer: UnsafeMutableRawBufferPointer
        var parser: HTTPRequestParser
        var output: [UInt8] = []
        var served = 0
        /// An answer went out since the last read: a keep-alive client sends its next request
        /// only after reading it, so the next read starts by waiting.
        var wroteSinceRead = false
    }

    nonisolated(nonsending) private func serveOne(_ session: inout Session) async throws -> Outcome {
        guard let head = try await readHead(&session) else { return .close }
        let started = EventLoop.now()
        if server.registry.isDraining {
            var response = HTTPResponse.error(503, "shutting_down", "the server is shutting down; retry against its replacement")
            response.closeConnection = true
            append(response, for: head, started: started, to: &session)
            return .closeAfterError
        }
        if let upgrader = configuration.upgrader, head.path == upgrader.path {
            if var refusal = configuration.admit(head) {
                refusal.closeConnection = true
                refusal.route = upgrader.path
                append(refusal, for: head, started: started, to: &session)
                return .closeAfterError
            }
            return try await upgrade(head, to: upgrader, &session, started: started)
        }
        var body: [UInt8] = []
        if head.expectsContinue, head.framing != .none, session.parser.buffered == 0 {
            // RFC 9110 §10.1.1: the client waits for this before sending the body.
            try await flush(&session)
            try await socket.write(Self.continueLine, deadline: EventLoop.deadline(after: configuration.ioTimeout))
        }
        while true {
            switch session.parser.next() {
            case .body(let bytes): body.append(contentsOf: bytes)
            case .end:
                let request = HTTPRequest(head: head, body: body)
                let response = if let refusal = configuration.admit(head) { refusal } else { await respond(to: request) }
                let keepAlive = head.keepAlive && !response.closeConnection && !server.registry.isDraining
                var final = response
                final.closeConnection = !keepAlive
                append(final, for: head, started: started, to: &session)
                guard keepAlive else { return .close }
                if session.output.count >= configuration.maxPendingOutput || session.parser.buffered == 0 { try await flush(&session) }
                return .keepGoing
            case .needMoreData:
                guard try await receive(&session, deadline: EventLoop.deadline(after: configuration.ioTimeout)) else { return .close }
            case .error(let error):
                append(Self.errorResponse(error), for: head, started: started, to: &session)
                return .closeAfterError
            case .head:
                preconditionFailure("the parser gave a head inside a body")
            }
        }
    }

    /// Reads answer on the connection's event loop. A POST moves to the thread pool for its
    /// answer: it awaits actors and a log sync, and each of those resumptions would otherwise
    /// hop back to the loop (POSTs were ~20% slower there, in alternating runs).
    nonisolated(nonsending) private func respond(to request: HTTPRequest) async -> HTTPResponse {
        if request.method == "GET" || request.method == "HEAD" {
            return await server.responder.respond(to: request)
        }
        return await withTaskExecutorPreference(globalConcurrentExecutor) {
            await server.responder.respond(to: request)
        }
    }

    /// Hands the connection to the upgrader after a valid handshake (RFC 6455 §4.2), or answers
    /// why not and closes.
    nonisolated(nonsending) private func upgrade(_ head: HTTPRequestHead, to upgrader: any HTTPUpgrader, _ session: inout Session, started: UInt64) async throws -> Outcome {
        switch WebSocketHandshake.check(head) {
        case .refuse(var response):
            response.closeConnection = true
            response.route = upgrader.path
            append(response, for: head, started: started, to: &session)
            return .closeAfterError
        case .accept(let switching):
            try await flush(&session)
            try await socket.write(switching, deadline: EventLoop.deadline(after: configuration.ioTimeout))
            configuration.observe(HTTPExchange(method: head.method, target: head.target, route: upgrader.path, status: 101, bodyBytes: 0,
                                               seconds: Double(EventLoop.now() - started) / 1e9, socket: socket.fd))
            guard server.registry.upgraded(slot) else { return .close }
            await upgrader.run(WebSocketSocket(socket), head: head, leftover: session.parser.takeBuffered())
            return .close
        }
    }

    /// The next request's head; nil when the client closed or went idle too long (or the
    /// server drains). Parse errors and the header deadline are answered here.
    nonisolated(nonsending) private func readHead(_ session: inout Session) async throws -> HTTPRequestHead? {
        var headerDeadline: UInt64?
        while true {
            switch session.parser.next() {
            case .head(let head):
                _ = server.registry.setIdle(slot, false)
                return head
            case .error(let error):
                append(Self.errorResponse(error), for: nil, started: EventLoop.now(), to: &session)
                try await flush(&session)
                await linger(session.buffer)
                return nil
            case .needMoreData:
                try await flush(&session)
                let answered = session.wroteSinceRead && session.parser.isIdle
                let deadline: UInt64
                if session.parser.isIdle {
                    if server.registry.setIdle(slot, true) {
                        deadline = EventLoop.deadline(after: configuration.idleTimeout)
                    } else {
                        // Draining: a client that was served closes now; a new one gets a moment
                        // to send its request, which is answered 503.
                        guard session.served == 0 else { return nil }
                        deadline = EventLoop.deadline(after: Self.drainGrace)
                    }
                } else {
                    _ = server.registry.setIdle(slot, false)
                    headerDeadline = headerDeadline ?? EventLoop.deadline(after: configuration.headerTimeout)
                    deadline = headerDeadline!
                }
                do {
                    guard try await receive(&session, deadline: deadline, waitFirst: answered) else { return nil }
                } catch SocketError.timedOut where !session.parser.isIdle {
                    var response = HTTPResponse.error(408, "request_timeout", "the request headers did not arrive within \(configuration.headerTimeout)")
                    response.closeConnection = true
                    append(response, for: nil, started: EventLoop.now(), to: &session)
                    try await flush(&session)
                    return nil
                }
            case .body, .end:
                preconditionFailure("the parser gave a body outside a request")
            }
        }
    }

    /// Reads more input into the parser; false at end of stream.
    nonisolated(nonsending) private func receive(_ session: inout Session, deadline: UInt64, waitFirst: Bool = false) async throws -> Bool {
        let count = try await socket.read(into: session.buffer, deadline: deadline, waitFirst: waitFirst)
        session.wroteSinceRead = false
        guard count > 0 else { return false }
        session.parser.append(UnsafeRawBufferPointer(rebasing: session.buffer[0..<count]))
        return true
    }

    private func append(_ response: HTTPResponse, for head: HTTPRequestHead?, started: UInt64, to session: inout Session) {
        session.served += 1
        var response = response
        // RFC 9112 §9.3: an HTTP/1.0 client assumes close unless told otherwise.
        if head?.version == .http10 && !response.closeConnection { response.headers.append(("Connection", "keep-alive")) }
        response.appendHead(to: &session.output, date: server.date.now(), keepAlive: !response.closeConnection)
        if head?.method != "HEAD" { session.output.append(contentsOf: response.body) }
        configuration.observe(HTTPExchange(method: head?.method ?? "-", target: head?.target ?? "-", route: response.route,
                                           status: response.status, bodyBytes: response.body.count,
                                           seconds: Double(EventLoop.now() - started) / 1e9, socket: socket.fd))
    }

    nonisolated(nonsending) private func flush(_ session: inout Session) async throws {
        guard !session.output.isEmpty else { return }
        try await socket.write(session.output, deadline: EventLoop.deadline(after: configuration.ioTimeout))
        session.output.removeAll(keepingCapacity: true)
        session.wroteSinceRead = true
    }

    /// Stops sending, then reads and drops what the client still sends (up to a limit), so
    /// that closing does not reset the connection before the client has read our answer.
    nonisolated(nonsending) private func linger(_ buffer: UnsafeMutableRawBufferPointer) async {
        socket.shutdownWriting()
        let deadline = EventLoop.deadline(after: Self.lingerLimit)
        var drained = 0
        while drained < 1 << 20, let count = try? await socket.read(into: buffer, deadline: deadline), count > 0 {
            drained += count
        }
    }

    static func errorResponse(_ error: HTTPParseError) -> HTTPResponse {
        var response = HTTPResponse.error(error.status, error.code, error.description)
        response.closeConnection = true
        return response
    }
}
