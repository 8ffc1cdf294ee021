import MissionModel
import Foundation
import Testing
@testable import MissionService

/// The server over real sockets on 127.0.0.1: framing, limits, timeouts, shutdown.
@Suite struct HTTPServerTests {
    @Test func pipelined_requests_are_answered_in_order_on_one_connection() async throws {
        let live = try LiveServer()
        let client = try await live.connect()
        let body = #"{"message":"echo piped"}"#
        try await client.send(TestClient.request("GET", "/health") + TestClient.request("POST", "/chat/integrated", body: body)
                              + TestClient.request("GET", "/api/missions?limit=1"))
        let health = try await client.response()
        let chat = try await client.response()
        let list = try await client.response()
        #expect(health.json["status"] == .string("ok"))
        #expect(chat.status == 202)
        #expect(list.json["total"] == .int(1))
        #expect(list.json["missions"]?.arrayValue?.first?.objectValue?["mission_id"] == chat.json["mission_id"])
        try await live.stop()
    }

    /// A request that breaks a limit or could be framed two ways; named by `what` in test output.
    struct BadRequest: CustomTestStringConvertible, Sendable {
        var what: String
        var raw: String
        var status: Int
        var code: String
        var testDescription: String { what }
    }

    static let badRequests = [
        BadRequest(what: "headers over 32 KiB", raw: "GET / HTTP/1.1\r\nHost: localhost\r\nX-Big: \(String(repeating: "a", count: 33 << 10))\r\n\r\n",
                   status: 431, code: "headers_too_large"),
        BadRequest(what: "a body over 1 MiB", raw: "POST /chat/integrated HTTP/1.1\r\nHost: localhost\r\nContent-Length: \((1 << 20) + 1)\r\n\r\n",
                   status: 413, code: "payload_too_large"),
        BadRequest(what: "Content-Length and Transfer-Encoding",
                   raw: "POST /chat/integrated HTTP/1.1\r\nHost: localhost\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                   status: 400, code: "invalid_request"),
        BadRequest(what: "two Content-Lengths", raw: "POST /chat/integrated HTTP/1.1\r\nHost: localhost\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
                   status: 400, code: "invalid_request"),
        BadRequest(what: "a chunked body over 1 MiB", raw: "POST /chat/integrated HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n100001\r\n",
                   status: 413, code: "payload_too_large"),
    ]

    @Test(arguments: badRequests)
    func a_request_over_a_limit_or_ambiguous_is_refused_and_the_connection_closed(_ bad: BadRequest) async throws {
        let live = try LiveServer()
        let client = try await live.connect()
        try await client.send(bad.raw)
        let response = try await client.response()
        #expect(response.status == bad.status)
        #expect(response.errorCode == bad.code)
        #expect(response.header("connection") == "close")
        #expect(try await client.isClosedByServer())
        #expect(live.server.runtime.store.log.lastSeq == 0)
        try await live.stop()
    }

    @Test func expect_100_continue_gets_its_interim_answer_before_the_body_is_sent() async throws {
        let live = try LiveServer()
        let client = try await live.connect()
        let body = #"{"message":"echo after continue"}"#
        try await client.send("POST /chat/integrated HTTP/1.1\r\nHost: localhost\r\nExpect: 100-continue\r\nContent-Length: \(body.utf8.count)\r\n\r\n")
        let interim = try await client.response()
        #expect(interim.status == 100)
        try await client.send(body)
        let final = try await client.response()
        #expect(final.status == 202)
        try await live.stop()
    }

    @Test func a_chunked_body_is_read_whole() async throws {
        let live = try LiveServer()
        let client = try await live.connect()
        try await client.send("POST /chat/integrated HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"mes\r\n14\r\nsage\":\"echo chunks\"}\r\n0\r\n\r\n")
        let response = try await client.response()
        #expect(response.status == 202)
        #expect(live.server.runtime.store.whiteboard(response.json["mission_id"]!.stringValue!)?.objective?.description == "chunks")
        try await live.stop()
    }

    @Test func head_answers_the_get_headers_without_a_body() async throws {
        let live = try LiveServer()
        let get = try await live.request("GET", "/api/missions")
        let client = try await live.connect()
        try await client.send(TestClient.request("HEAD", "/api/missions") + TestClient.request("GET", "/health"))
        let head = try await client.response(head: true)
        #expect(head.status == 200)
        #expect(head.header("content-length") == String(get.body.count))
        #expect(head.body.isEmpty)
        // The next response on the connection starts right after the HEAD's headers.
        #expect(try await client.response().json["status"] == .string("ok"))
        try await live.stop()
    }

    @Test func http_1_0_closes_unless_keep_alive_is_asked_for() async throws {
        let live = try LiveServer()
        let plain = try await live.connect()
        try await plain.send("GET /health HTTP/1.0\r\n\r\n")
        #expect(try await plain.response().status == 200)
        #expect(try await plain.isClosedByServer())
        let kept = try await live.connect()
        try await kept.send("GET /health HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        #expect(try await kept.response().header("connection") == "keep-alive")
        try await kept.send("GET /health HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        #expect(try await kept.response().status == 200)
        try await live.stop()
    }

    @Test func headers_that_do_not_finish_in_time_get_408_and_an_idle_connection_is_closed() async throws {
        let live = try LiveServer { options in
            options.http.headerTimeout = .milliseconds(300)
            options.http.idleTimeout = .milliseconds(300)
        }
        let slow = try await live.connect()
        try await slow.send("GET /health HTTP/1.1\r\nHost: localhost\r\n")
        let response = try await slow.response()
        #expect(response.status == 408)
        #expect(try await slow.isClosedByServer())
        let idle = try await live.connect()
        try await idle.send(TestClient.request("GET", "/health"))
        #expect(try await idle.response().status == 200)
        #expect(try await idle.isClosedByServer())
        try await live.stop()
    }

    @Test func connections_over_the_limit_are_turned_away_with_503() async throws {
        let live = try LiveServer { $0.http.maxConnections = 2 }
        let first = try await live.connect()
        let second = try await live.connect()
        // Both are registered once they have been answered.
        for client in [first, second] {
            try await client.send(TestClient.request("GET", "/health"))
            #expect(try await client.response().status == 200)
        }
        let third = try await live.connect()
        let refused = try await third.response()
        #expect(refused.status == 503)
        #expect(refused.errorCode == "too_many_connections")
        try await first.send(TestClient.request("GET", "/health"))
        #expect(try await first.response().status == 200)
        try await live.stop()
    }

    @Test func after_shutdown_begins_new_requests_get_503_shutting_down() async throws {
        let live = try LiveServer()
        let client = try await live.connect()
        try await client.send(TestClient.request("GET", "/health"))
        #expect(try await client.response().status == 200)
        // Mid-request when the drain starts: the server has read the headers (its 100 Continue
        // says so), the body is not sent yet.
        let late = #"{"message":"echo late"}"#
        try await client.send("POST /chat/integrated HTTP/1.1\r\nHost: localhost\r\nExpect: 100-continue\r\nContent-Length: \(late.utf8.count)\r\n\r\n")
        #expect(try await client.response().status == 100)
        live.server.http.drain()
        try await client.send(late)
        // The request was read before the drain, so it is answered; the connection then closes.
        let answered = try await client.response()
        #expect(answered.status == 202)
        #expect(answered.header("connection") == "close")
        let next = try await live.connect()
        try await next.send(TestClient.request("GET", "/health"))
        let refused = try await next.response()
        #expect(refused.status == 503)
        #expect(refused.errorCode == "shutting_down")
        try await live.stop()
    }
}
