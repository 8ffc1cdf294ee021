/// `/ws` (CONTRACT §5): every record of the logs, live, to every watcher, by room; resumable
/// with `since` from the log itself. One `LiveSession` per connection.
public final class LiveFeed: HTTPUpgrader {
    public struct Configuration: Sendable {
        /// WebSocket message limit (CONTRACT §1: 1 MiB → 1009).
        public var maxMessageBytes = 1 << 20
        /// Outbound bytes queued per connection before its room followers wait.
        public var maxQueuedBytes = 1 << 20
        /// A client that takes nothing for this long is closed 1008 `slow consumer`.
        public var slowConsumerTimeout: Duration = .seconds(30)
        /// Silence after which the server pings; as long again without an answer drops the peer.
        public var pingInterval: Duration = .seconds(30)
        /// How long to wait for the peer's close frame after sending ours.
        public var closeTimeout: Duration = .seconds(2)
        public var maxRoomsPerConnection = 100
        /// Most mission summaries in a `missions` snapshot (the newest).
        public var snapshotMissions = 1000
        public var token: BearerToken?
        /// When set, a connection gets neither `hello` nor events until it shows this token or
        /// `token`, on its upgrade or in an `auth` op (CONTRACT §9 roles).
        public var readToken: BearerToken?

        public init() {}
    }

    public let path = "/ws"
    let runtime: MissionRuntime
    let orchestrator: ChatOrchestrator
    let configuration: Configuration
    public let metrics = LiveMetrics()
    let missionsHub: LiveHub
    let signalsHub: LiveHub

    public init(runtime: MissionRuntime, orchestrator: ChatOrchestrator, configuration: Configuration = Configuration()) {
        self.runtime = runtime
        self.orchestrator = orchestrator
        self.configuration = configuration
        missionsHub = LiveHub(log: runtime.store.log, metrics: metrics)
        signalsHub = LiveHub(log: runtime.signals.log, metrics: metrics)
    }

    /// Runs the fan-out of both logs until the logs close or the task is cancelled.
    public func run() async {
        await withDiscardingTaskGroup { group in
            group.addTask { await self.missionsHub.run() }
            group.addTask { await self.signalsHub.run() }
        }
    }

    public func run(_ socket: WebSocketSocket, head: HTTPRequestHead, leftover: [UInt8]) async {
        metrics.opened()
        defer { metrics.closed() }
        let authorization = head.header("authorization")
        let authorized = configuration.token.map { $0.accepts(authorization: authorization) } ?? true
        let readable = configuration.readToken.map { $0.accepts(authorization: authorization) || authorized } ?? true
        let session = LiveSession(feed: self, socket: socket, authorized: authorized, readable: readable)
        let query = HTTPRequest(head: head).query
        await session.run(leftover: leftover, room: query["room"], since: query["since"])
    }
}
