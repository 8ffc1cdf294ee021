import MissionModel
import MissionNet
/// The HTTP/1.1 server: one listening socket, and each connection a child task of one
/// discarding task group that the server owns (a plain task group would keep every finished
/// child of an endless accept loop). Cancelling `run` closes everything.
///
/// Shutdown is two-step: `drain()` refuses new requests with 503 and ends idle keep-alive
/// connections while requests in flight finish; `waitUntilQuiet()` returns when none is left;
/// then the owner cancels `run`.
public actor HTTPServer {
    public nonisolated let configuration: Configuration
    public nonisolated let port: Int
    let responder: any HTTPResponder
    let listener: TCPListener
    /// Connection `n` is served by `loops[n % count]`; the listener waits on the first.
    let loops: [EventLoop]
    let registry = ConnectionRegistry()
    let date = HTTPDate()
    let report: @Sendable (String) -> Void

    /// Binds at once, so that the caller knows the port (and a busy port fails) before `run`.
    public init(configuration: Configuration, responder: any HTTPResponder, report: @escaping @Sendable (String) -> Void = { _ in }) throws {
        self.configuration = configuration
        self.responder = responder
        self.report = report
        var loops: [EventLoop] = []
        do {
            for _ in 0..<max(1, configuration.eventLoops) { loops.append(try EventLoop()) }
            listener = try TCPListener(host: configuration.host, port: configuration.port, loop: loops[0])
        } catch {
            loops.forEach { $0.stop() }
            throw error
        }
        self.loops = loops
        port = listener.port
    }

    public nonisolated var openConnections: Int { registry.count }

    /// Accepts and serves connections until cancelled; then every connection is closed.
    public func run() async throws {
        defer {
            listener.close()
            loops.forEach { $0.stop() }
        }
        var accepted = 0
        try await withThrowingDiscardingTaskGroup { group in
            while !Task.isCancelled {
                let socket: TCPSocket
                let serving = loops[accepted % loops.count]
                do {
                    socket = try await listener.accept(servedBy: serving)
                } catch let error as SocketError {
                    // Out of descriptors (EMFILE/ENFILE) and the like: retry once one of our
                    // connections frees its descriptor. With none open, only time can help.
                    report("accept failed: \(error); retrying when a connection closes")
                    if registry.count > 0 {
                        await registry.waitForAClose()
                    } else {
                        try await Task.sleep(for: Self.acceptRetryDelay)
                    }
                    continue
                }
                guard registry.count < configuration.maxConnections else {
                    socket.writeNow(Self.tooManyConnections(date: date.now()))
                    socket.close()
                    continue
                }
                let slot = registry.open(socket.fd)
                accepted += 1
                let connection = HTTPConnection(socket: socket, slot: slot, server: self)
                group.addTask(executorPreference: configuration.eventLoops > 0 ? serving : nil) { await connection.run() }
            }
        }
    }

    /// New requests get 503 `shutting_down`; idle connections close.
    public nonisolated func drain() {
        registry.drain()
    }

    /// Returns when no request is in flight (after `drain`, none will start).
    public nonisolated func waitUntilQuiet() async {
        await registry.waitUntilQuiet()
    }

    /// After a failed accept with no connection of ours open (the descriptors are used elsewhere).
    static let acceptRetryDelay: Duration = .milliseconds(100)

    static func tooManyConnections(date: String) -> [UInt8] {
        var response = HTTPResponse.error(503, "too_many_connections", "the server has too many open connections; retry shortly")
        response.headers.append(("Retry-After", "1"))
        return response.serializedHead(date: date, keepAlive: false) + response.body
    }
}
