import MissionModel
import MissionNet
@testable import MissionStore
import Foundation
import MissionTestSupport
import Testing
@testable import MissionService

/// CONTRACT §9 callbacks, to a receiver on a real socket (this project's HTTP server, in the
/// test process) that answers what it is told to, and keeps what it got.
@Suite struct CallbackTests {
    final class Receiver: HTTPResponder, Sendable {
        let answers: Locked<[Int]>
        let received = Locked<[HTTPRequest]>([])

        init(answers: [Int]) {
            self.answers = Locked(answers)
        }

        nonisolated(nonsending) func respond(to request: HTTPRequest) async -> HTTPResponse {
            received.withLock { $0.append(request) }
            let status = answers.withLock { $0.isEmpty ? 200 : $0.removeFirst() }
            var response = HTTPResponse(status: status, headers: [], body: [])
            if status == 302 { response.headers = [("Location", "http://127.0.0.1:1/elsewhere")] }
            return response
        }
    }

    static func serve(_ receiver: Receiver) throws -> (HTTPServer, Task<Void, any Error>) {
        var configuration = HTTPServer.Configuration()
        configuration.port = 0
        let server = try HTTPServer(configuration: configuration, responder: receiver)
        return (server, Task { try await server.run() })
    }

    static func live(secret: String = "s3cret") throws -> LiveServer {
        try LiveServer {
            $0.runtime.callbacks.secret = Array(secret.utf8)
            $0.runtime.callbacks.allowedHosts = ["127.0.0.1"]
            $0.runtime.callbacks.firstRetry = .milliseconds(50)
        }
    }

    /// The mission's `mission_callback` records, as stored.
    static func callbacks(_ live: LiveServer, _ id: String) async throws -> [CallbackAttempt] {
        try await live.server.runtime.store.events(of: id, since: 0)?.compactMap { entry -> CallbackAttempt? in
            guard case .callback(let attempt) = try MissionEvent(record: entry.record(), seq: entry.seq).body else { return nil }
            return attempt
        } ?? []
    }

    /// Waits (within `hangLimit`) until the mission's callback records satisfy `check`.
    static func eventually(_ live: LiveServer, _ id: String, _ check: @escaping ([CallbackAttempt]) -> Bool) async throws -> Bool {
        try await live.untilCommitted { check(try await callbacks(live, id)) }
    }

    @Test func an_ended_mission_is_posted_signed_after_a_retry_and_every_try_is_a_record() async throws {
        let receiver = Receiver(answers: [503, 200])
        let (server, running) = try Self.serve(receiver)
        let live = try Self.live()
        let url = "http://127.0.0.1:\(server.port)/hook"
        let created = try await live.request("POST", "/api/missions", body: #"{"objective": {"type": "echo", "description": "call me"}, "callback_url": "\#(url)"}"#)
        #expect(created.status == 202, "\(created.text)")
        let id = try #require(created.json["mission_id"]?.stringValue)
        #expect(try await Self.eventually(live, id) { $0.contains { $0.delivered } })
        let tries = try await Self.callbacks(live, id)
        #expect(tries.map(\.attempt) == [1, 2])
        #expect(tries.map(\.statusCode) == [503, 200])
        #expect(tries.map(\.delivered) == [false, true])
        let requests = receiver.received.withLock { $0 }
        #expect(requests.count == 2)
        let request = try #require(requests.last)
        #expect(request.method == "POST" && request.path == "/hook")
        let body = try #require(JSONParser.parse(request.body).objectValue)
        #expect(body["mission_id"] == .string(id) && body["status"] == .string("completed"))
        #expect(body["whiteboard"]?.objectValue?["execution_result"]?.objectValue?["final_answer"] == .string("call me"))
        // The signature is the HMAC-SHA256 of the body as sent, under the server's secret.
        let expected = "sha256=" + SHA256Hex.hex(HMACSHA256.authenticationCode(for: request.body, key: Array("s3cret".utf8)))
        #expect(request.head.header("x-mission-signature") == expected)
        try await live.stop()
        running.cancel()
        _ = await running.result
    }

    @Test func a_redirect_is_not_followed_and_a_refusal_is_not_retried() async throws {
        let receiver = Receiver(answers: [302, 404])
        let (server, running) = try Self.serve(receiver)
        let live = try Self.live()
        var ids: [String] = []
        for _ in 0..<2 {
            let created = try await live.request("POST", "/api/missions",
                                                 body: #"{"objective": {"type": "echo", "description": "\#(UUID().uuidString)"}, "callback_url": "http://127.0.0.1:\#(server.port)/x"}"#)
            let id = try #require(created.json["mission_id"]?.stringValue)
            ids.append(id)
            #expect(try await Self.eventually(live, id) { !$0.isEmpty })
        }
        // Give a wrongly retried try the time to come: none does.
        try await Task.sleep(for: .milliseconds(300))
        #expect(receiver.received.withLock { $0.count } == 2)
        // The 302 is the answer (a followed redirect would have ended in an error at port 1).
        #expect(try await Self.callbacks(live, ids[0]).map(\.statusCode) == [302])
        #expect(try await Self.callbacks(live, ids[1]).map(\.statusCode) == [404])
        try await live.stop()
        running.cancel()
        _ = await running.result
    }

    @Test(arguments: [
        ("http://evil.example/hook", "not allowed"),
        ("ftp://127.0.0.1/x", "http or https"),
        ("not a url at all", "http or https"),
    ])
    func a_callback_url_the_server_would_not_call_is_400(_ url: String, _ named: String) async throws {
        let live = try Self.live()
        let before = live.server.runtime.store.log.lastSeq
        let response = try await live.request("POST", "/api/missions", body: #"{"objective": {"type": "echo", "description": "x"}, "callback_url": "\#(url)"}"#)
        #expect(response.status == 400)
        #expect(response.json["error"]?.objectValue?["message"]?.stringValue?.contains(named) == true, "\(response.text)")
        #expect(live.server.runtime.store.log.lastSeq == before)
        try await live.stop()
    }

    @Test func without_a_secret_a_callback_url_is_refused() async throws {
        let live = try LiveServer { $0.runtime.callbacks.allowedHosts = ["127.0.0.1"] }
        let response = try await live.request("POST", "/api/missions", body: #"{"objective": {"type": "echo", "description": "x"}, "callback_url": "http://127.0.0.1:9/x"}"#)
        #expect(response.status == 400 && response.text.contains("--callback-secret"))
        try await live.stop()
    }
}

enum SHA256Hex {
    static func hex(_ bytes: [UInt8]) -> String { bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined() }
}
