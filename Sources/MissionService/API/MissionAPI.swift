import MissionModel
import MissionNet
import MissionStore
/// The REST API of CONTRACT §4 over the runtime and the chat orchestrator: routing, the auth
/// rule, and the mapping of every failure to a status and JSON error body.
public final class MissionAPI: HTTPResponder {
    public struct Configuration: Sendable {
        /// When set, every POST needs `Authorization: Bearer <token>`.
        public var token: BearerToken?
        /// When set, every read but `/health` and the dashboard's files needs this token or
        /// `token` (CONTRACT §9 roles).
        public var readToken: BearerToken?
        /// Whose pages get CORS answers (the refusals themselves come before the API).
        public var browserGuard: BrowserGuard?
        /// Where unexpected failures (500s) are reported; tokens never reach it.
        public var report: @Sendable (String) -> Void = { _ in }

        public init() {}
    }

    /// Most missions one `GET /api/missions` page returns.
    public static let maxPageSize = 1000
    public static let defaultPageSize = 50

    let runtime: MissionRuntime
    let orchestrator: ChatOrchestrator
    let configuration: Configuration
    public let metrics = HTTPMetrics()
    let encoded = EncodedWhiteboards()
    let live: LiveMetrics?
    let started = EventLoop.now()
    private let connectionCount = Locked<@Sendable () -> Int>({ 0 })

    public init(runtime: MissionRuntime, orchestrator: ChatOrchestrator, configuration: Configuration = Configuration(), live: LiveMetrics? = nil) {
        self.live = live
        self.runtime = runtime
        self.orchestrator = orchestrator
        self.configuration = configuration
    }

    /// Where `/metrics` reads the number of open connections (the server, once it exists).
    public func countConnections(with count: @escaping @Sendable () -> Int) {
        connectionCount.withLock { $0 = count }
    }

    var openConnections: Int { connectionCount.withLock { $0 }() }

    nonisolated(nonsending) public func respond(to request: HTTPRequest) async -> HTTPResponse {
        guard let route = APIRoute(path: request.path) else {
            return APIError.notFound("no route \(request.path.prefix(200)); the routes are listed in docs/API.md").response
        }
        var response: HTTPResponse
        // What changes state (POST, DELETE) needs the write token; what reads, the read token.
        let writes = request.method != "GET" && request.method != "HEAD" && request.method != "OPTIONS"
        let cors = configuration.browserGuard?.corsHeaders(request.head) ?? []
        if request.method == "OPTIONS", !cors.isEmpty {
            // A preflight from an origin admitted with --allow-origin.
            response = HTTPResponse(status: 204, headers: cors + BrowserGuard.preflightHeaders)
        } else if !route.methods.contains(request.method) {
            let allowed = route.methods.joined(separator: ", ")
            response = APIError(status: 405, code: "method_not_allowed", message: "\(route.pattern) answers \(allowed), not \(request.method.prefix(20))",
                                headers: [("Allow", allowed)]).response
        } else if !writes, !route.isOpen, let readToken = configuration.readToken,
                  !readToken.accepts(authorization: request.head.header("authorization")),
                  !(configuration.token?.accepts(authorization: request.head.header("authorization")) ?? false) {
            response = APIError(status: 401, code: "unauthorized", message: "this server needs Authorization: Bearer <read token or token> to read",
                                headers: [("WWW-Authenticate", "Bearer")]).response
        } else if writes, let token = configuration.token, !token.accepts(authorization: request.head.header("authorization")) {
            response = APIError(status: 401, code: "unauthorized", message: "this server needs Authorization: Bearer <token> on every \(request.method.prefix(10))",
                                headers: [("WWW-Authenticate", "Bearer")]).response
        } else {
            do {
                // A full or failed disk refuses new writes at once, before any work.
                if writes { try runtime.store.log.requireSpace() }
                response = try await handle(route, request)
            } catch {
                if let refusal = APIError.from(error) {
                    response = refusal.response
                } else {
                    configuration.report("\(request.method) \(route.pattern): internal error: \(error)")
                    response = .error(500, "internal_error", "the server failed to complete the request (\(error)); it is logged, and retrying may help")
                }
            }
        }
        response.route = route.pattern
        if !cors.isEmpty { response.headers += cors }
        return response
    }

    nonisolated(nonsending) private func handle(_ route: APIRoute, _ request: HTTPRequest) async throws -> HTTPResponse {
        switch (route, request.method) {
        case (.chat, _): return try await chat(request)
        case (.missions, "POST"): return try await createMission(request)
        case (.missions, _): return try listMissions(request)
        case (.whiteboard(let id), _): return try await whiteboard(id, request)
        case (.events(let id), _): return try await events(id, request)
        case (.cancel(let id), _): return try await cancel(id)
        case (.control(let id, let action), _): return try await control(action, id)
        case (.rerun(let id), _): return try await rerun(id)
        case (.queue(let paused), _): return try await setQueuePaused(paused)
        case (.schedules, "POST"): return try await createSchedule(request)
        case (.schedules, _): return listSchedules()
        case (.schedule(let id), _): return try await deleteSchedule(id)
        case (.missionEvent, _): return try await missionEvent(request)
        case (.health, _): return await health()
        case (.metrics, _): return await metricsText()
        case (.dashboard(let asset), _): return asset.response
        }
    }
}
