import MissionNet
import Foundation

extension HTTPServer {
    /// Every limit and timeout of the server, each with a named default.
    public struct Configuration: Sendable {
        public var host = "127.0.0.1"
        /// 0: any free port (the bound one is `HTTPServer.port`).
        public var port = 8080
        /// Connections open at once; more are answered 503 and closed.
        public var maxConnections = 1024
        public var parser = HTTPRequestParser.Limits()
        /// From a request's first byte to the end of its headers (slowloris).
        public var headerTimeout: Duration = .seconds(10)
        /// Between two reads of a body, and for the client to take a response.
        public var ioTimeout: Duration = .seconds(30)
        /// A keep-alive connection with no request for this long is closed.
        public var idleTimeout: Duration = .seconds(60)
        /// Responses of pipelined requests are gathered up to this size before a write.
        public var maxPendingOutput = 64 << 10
        /// Event loops serving connections: each a poll thread that also runs its connections'
        /// tasks, so that a ready socket resumes its task without a hand-off. One per core.
        /// 0: one poll thread that only resumes tasks, which run on the shared thread pool.
        public var eventLoops = max(1, ProcessInfo.processInfo.activeProcessorCount)
        /// Takes over WebSocket upgrades on its path.
        public var upgrader: (any HTTPUpgrader)?
        /// Decides, once a request has arrived whole (a WebSocket upgrade: before its
        /// handshake), whether it may go on: nil, or the refusal to send instead. Framing and
        /// size errors are answered before it is asked.
        public var admit: @Sendable (HTTPRequestHead) -> HTTPResponse? = { _ in nil }
        /// Called after each response: method, route, status, seconds, for metrics and access logs.
        public var observe: @Sendable (HTTPExchange) -> Void = { _ in }

        public init() {}
    }
}

/// One answered request, as the server reports it after writing the response.
public struct HTTPExchange: Sendable {
    public var method: String
    public var target: String
    /// The route pattern that answered (`/api/whiteboard/{id}`), or nil when none matched.
    public var route: String?
    public var status: Int
    public var bodyBytes: Int
    public var seconds: Double
    /// The connection's socket, valid while `observe` runs: for `peer`, asked only by those
    /// who log it (a system call per request otherwise).
    let socket: Int32

    /// The client's address and port.
    public var peer: String { SocketAddress.peer(of: socket) }
}
