import Testing
@testable import MissionService

/// CONTRACT §4 "Browsers": which Host and Origin headers reach the API.
@Suite struct BrowserGuardTests {
    static func head(host: String?, origin: String?) -> HTTPRequestHead {
        var headers: [(name: String, value: String)] = []
        if let host { headers.append(("Host", host)) }
        if let origin { headers.append(("Origin", origin)) }
        return HTTPRequestHead(method: "POST", target: "/api/missions", version: .http11, headers: headers, framing: .none)
    }

    static let admitted: BrowserGuard = {
        var configuration = BrowserGuard.Configuration()
        configuration.allowedOrigins = ["http://app.example:3000"]
        configuration.allowedHosts = ["mission.internal"]
        return BrowserGuard(bindHost: "127.0.0.1", configuration: configuration)
    }()

    @Test(arguments: [
        // bind, Host, Origin, expected status (nil: admitted)
        ("127.0.0.1", "127.0.0.1:8080", nil, nil as Int?),
        ("127.0.0.1", "LOCALHOST:8080", nil, nil),
        ("127.0.0.1", "[::1]:8080", nil, nil),
        ("127.0.0.1", "localhost", nil, nil),
        ("127.0.0.1", nil, nil, nil),                                   // HTTP/1.0 without Host: no browser
        ("127.0.0.1", "evil.example:8080", nil, 421),                  // DNS rebinding
        ("127.0.0.1", "127.0.0.1.evil.example", nil, 421),
        ("127.0.0.1", "127.0.0.1:8080", "http://127.0.0.1:8080", nil),  // the dashboard itself
        ("127.0.0.1", "localhost:8080", "http://LOCALHOST:8080", nil),
        ("127.0.0.1", "localhost:8080", "http://127.0.0.1:8080", 403),  // another origin, same machine
        ("127.0.0.1", "127.0.0.1:8080", "http://127.0.0.1:9999", 403),
        ("127.0.0.1", "127.0.0.1:8080", "https://127.0.0.1:8080", 403),
        ("127.0.0.1", "127.0.0.1:8080", "http://attacker.example", 403),
        ("127.0.0.1", "127.0.0.1:8080", "null", 403),
        ("127.0.0.1", "127.0.0.1", "http://127.0.0.1:80", nil),         // default port written out
        ("127.0.0.1", "evil.example", "http://evil.example", 421),      // 421 before 403
        ("10.1.2.3", "10.1.2.3:8080", nil, nil),
        ("10.1.2.3", "localhost:8080", nil, 421),
        ("0.0.0.0", "anything.example:8080", nil, nil),                 // wildcard bind, no --allow-host
        ("0.0.0.0", "anything.example:8080", "http://other.example", 403),
        ("::1", "[::1]:8080", nil, nil),
    ])
    func host_and_origin_decide(bind: String, host: String?, origin: String?, status: Int?) {
        let guardian = BrowserGuard(bindHost: bind, configuration: .init())
        #expect(guardian.check(Self.head(host: host, origin: origin))?.status == status)
    }

    @Test func admitted_origins_and_hosts_get_in_and_get_cors_answers() {
        let own = Self.head(host: "mission.internal:8080", origin: nil)
        #expect(Self.admitted.check(own) == nil)
        let app = Self.head(host: "127.0.0.1:8080", origin: "http://app.example:3000")
        #expect(Self.admitted.check(app) == nil)
        #expect(Self.admitted.corsHeaders(app).map(\.value) == ["http://app.example:3000", "Origin"])
        #expect(Self.admitted.corsHeaders(Self.head(host: "127.0.0.1:8080", origin: "http://127.0.0.1:8080")).isEmpty)
        #expect(Self.admitted.check(Self.head(host: "127.0.0.1:8080", origin: "http://app.example:3001"))?.status == 403)
        var wildcard = BrowserGuard.Configuration()
        wildcard.allowedHosts = ["svc.example"]
        let bound = BrowserGuard(bindHost: "0.0.0.0", configuration: wildcard)
        #expect(bound.check(Self.head(host: "svc.example", origin: nil)) == nil)
        #expect(bound.check(Self.head(host: "other.example", origin: nil))?.status == 421)
    }

    @Test func over_the_api_a_foreign_page_changes_nothing_and_the_own_one_works() async throws {
        let live = try LiveServer { $0.browsers.allowedOrigins = ["http://app.example:3000"] }
        await live.server.runtime.queue.close()
        let body = #"{"objective": {"type": "echo", "description": "drive-by"}}"#
        let foreign = try await live.request("POST", "/api/missions", body: body, headers: ["Origin": "http://attacker.example"])
        #expect(foreign.status == 403)
        #expect(foreign.errorCode == "forbidden_origin")
        let rebound = try await live.request("GET", "/api/missions", headers: ["Host": "attacker.example"])
        #expect(rebound.status == 421)
        #expect(rebound.errorCode == "misdirected_request")
        let socket = try await live.request("GET", "/ws", headers: ["Origin": "http://attacker.example", "Upgrade": "websocket", "Connection": "Upgrade",
                                                                    "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version": "13"])
        #expect(socket.status == 403)
        #expect(live.server.runtime.store.board.count == 0)
        // Size errors come first: a body over the limit from a foreign page is 413.
        let big = try await live.request("POST", "/api/missions", body: String(repeating: "x", count: (1 << 20) + 1), headers: ["Origin": "http://attacker.example"])
        #expect(big.status == 413)
        let preflight = try await live.request("OPTIONS", "/api/missions", headers: ["Origin": "http://app.example:3000"])
        #expect(preflight.status == 204)
        #expect(preflight.header("Access-Control-Allow-Origin") == "http://app.example:3000")
        #expect(preflight.header("Access-Control-Allow-Headers")?.contains("Idempotency-Key") == true)
        let fromApp = try await live.request("POST", "/api/missions", body: body, headers: ["Origin": "http://app.example:3000"])
        #expect(fromApp.status == 202)
        #expect(fromApp.header("Access-Control-Allow-Origin") == "http://app.example:3000")
        let own = try await live.request("POST", "/api/missions", body: #"{"objective": {"type": "echo", "description": "own"}}"#,
                                         headers: ["Origin": "http://localhost:\(live.port)", "Host": "localhost:\(live.port)"])
        #expect(own.status == 202)
        #expect(own.header("Access-Control-Allow-Origin") == nil)
        #expect(live.server.runtime.store.board.count == 2)
        try await live.stop()
    }
}
