import MissionModel
import MissionNet
import MissionStore
/// The service as `mission serve` runs it: the runtime (logs, queue, executor), the chat
/// orchestrator, and the HTTP API, started and stopped together.
///
/// Shutdown (CONTRACT §1): new requests get 503 `shutting_down` and idle connections close;
/// requests in flight finish; running missions get the grace period, then go back to
/// `queued`; the logs are synced and a checkpoint written.
public final class MissionServer: Sendable {
    public struct Options: Sendable {
        public var runtime: MissionRuntime.Options
        public var http = HTTPServer.Configuration()
        public var token: BearerToken?
        /// When set, reads need it or `token` (CONTRACT §9 roles); it may change nothing.
        public var readToken: BearerToken?
        /// Serve a non-loopback host without a token.
        public var insecure = false
        public var grace: Duration = .seconds(10)
        public var checkpointEvery = Checkpoint.defaultInterval
        public var live = LiveFeed.Configuration()
        /// One stderr line per request.
        public var accessLog = false
        /// Which origins and host names browsers may reach the server through.
        public var browsers = BrowserGuard.Configuration()
        public var report: @Sendable (String) -> Void = { _ in }

        public init(dataDirectory: DataDirectory) {
            runtime = MissionRuntime.Options(dataDirectory: dataDirectory)
        }
    }

    public let runtime: MissionRuntime
    public let orchestrator: ChatOrchestrator
    public let api: MissionAPI
    public let feed: LiveFeed
    public let http: HTTPServer
    let options: Options

    public var port: Int { http.port }

    /// Opens the data directory and binds the port; nothing runs until `run`.
    public convenience init(_ options: Options) throws {
        try Self.check(options)
        try self.init(options, runtime: MissionRuntime(Self.runtimeOptions(options)))
    }

    /// Opens the store `options` name (the embedded one, or a cluster's PostgreSQL store) and
    /// binds the port; nothing runs until `run`.
    public static func open(_ options: Options) async throws -> MissionServer {
        try check(options)
        return try MissionServer(options, runtime: await MissionRuntime.open(runtimeOptions(options)))
    }

    private static func check(_ options: Options) throws {
        guard options.token != nil || options.insecure || SocketAddress.isLoopback(options.http.host) else {
            throw ServerError.insecureHost(options.http.host)
        }
        // A read token alone would close reads and leave writes open to anyone.
        if options.readToken != nil, options.token == nil { throw ServerError.readTokenAlone }
    }

    private static func runtimeOptions(_ options: Options) -> MissionRuntime.Options {
        var runtimeOptions = options.runtime
        runtimeOptions.executor.report = options.report
        return runtimeOptions
    }

    private init(_ options: Options, runtime: MissionRuntime) throws {
        self.options = options
        self.runtime = runtime
        orchestrator = ChatOrchestrator(runtime: runtime)
        var apiConfiguration = MissionAPI.Configuration()
        apiConfiguration.token = options.token
        apiConfiguration.readToken = options.readToken
        apiConfiguration.report = options.report
        let browserGuard = BrowserGuard(bindHost: options.http.host, configuration: options.browsers)
        apiConfiguration.browserGuard = browserGuard
        var liveConfiguration = options.live
        liveConfiguration.token = options.token
        liveConfiguration.readToken = options.readToken
        let feed = LiveFeed(runtime: runtime, orchestrator: orchestrator, configuration: liveConfiguration)
        self.feed = feed
        let api = MissionAPI(runtime: runtime, orchestrator: orchestrator, configuration: apiConfiguration, live: feed.metrics)
        self.api = api
        var http = options.http
        http.upgrader = feed
        http.admit = { browserGuard.check($0) }
        let report = options.report
        let accessLog = options.accessLog
        http.observe = { exchange in
            api.metrics.record(exchange)
            if accessLog {
                report("\(Timestamp.now()) \(exchange.peer) \(exchange.method) \(exchange.target.prefix(200)) \(exchange.status) \(exchange.bodyBytes)B \((exchange.seconds * 10_000).rounded() / 10) ms")
            }
        }
        do {
            self.http = try HTTPServer(configuration: http, responder: api, report: report)
        } catch {
            runtime.closeNow()
            throw error
        }
        let server = self.http
        api.countConnections { server.openConnections }
    }

    /// Recovers missions left by an earlier run, then serves until `stop` returns; then shuts
    /// down gracefully and closes the logs.
    public func run(until stop: @escaping @Sendable () async -> Void) async throws {
        let report = options.report
        if runtime.clusterStore == nil {
            let recovery = try await runtime.executor.recover()
            report("resumed \(recovery.requeued.count) queued, recovered \(recovery.recovered.count) interrupted, failed \(recovery.failed.count) out of attempts")
        } else {
            // No recovery: an open mission is run by whichever node gets its lease, and one left
            // `active` is taken over once its node's lease runs out (ClusterDuties).
            report("cluster mode: open missions run under leases of \(runtime.leases?.duration ?? .zero)")
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.runtime.executor.run() }
            group.addTask { await self.runtime.runCheckpoints(every: self.options.checkpointEvery) }
            group.addTask { await self.feed.run() }
            if let duties = runtime.clusterDuties() { group.addTask { await duties.run() } }
            group.addTask { await ScheduleRunner(runtime: self.runtime, report: report).run() }
            group.addTask { await self.runtime.callbacks.run() }
            group.addTask { await self.runtime.history.run() }
            group.addTask {
                do {
                    try await self.http.run()
                } catch is CancellationError {
                } catch {
                    report("HTTP server stopped: \(error)")
                }
            }
            await stop()
            // One grace for everything: requests in flight, running missions, their records.
            let deadline = ContinuousClock.now + options.grace
            group.addTask {
                // Past the grace, records still held by a full disk are given up (never
                // acknowledged), so that nothing waits for space that may not come.
                guard (try? await Task.sleep(until: deadline)) != nil else { return }
                self.runtime.store.log.abandonWritesWaitingForSpace()
                self.runtime.signals.log.abandonWritesWaitingForSpace()
            }
            http.drain()
            // Requests in flight finish and WebSocket clients are told goodbye, within the grace.
            _ = await withDeadline(deadline) { await self.http.waitUntilQuiet() }
            await runtime.executor.shutdown(grace: max(.zero, deadline - ContinuousClock.now))
            group.cancelAll()
        }
        await runtime.close()
    }
}

/// Why the server refuses to start.
public enum ServerError: Error, CustomStringConvertible {
    case insecureHost(String)
    case readTokenAlone

    public var description: String {
        switch self {
        case .insecureHost(let host):
            return "refusing to serve \(host) without a token: anyone who reaches it could create and cancel missions. Give --token T (or MISSION_TOKEN), use --host 127.0.0.1, or pass --insecure to accept the risk"
        case .readTokenAlone:
            return "--read-token (or MISSION_READ_TOKEN) needs --token too: reads would be closed while anyone could still create and cancel missions"
        }
    }
}
