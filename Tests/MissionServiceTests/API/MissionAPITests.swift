import MissionModel
@testable import MissionStore
import Foundation
import MissionTestSupport
import Testing
@testable import MissionService

/// CONTRACT §4 over a live server: every route, its errors, auth and idempotency.
@Suite struct MissionAPITests {
    static let echo = #"{"objective": {"type": "echo", "description": "api hello"}, "priority": 5}"#

    @Test func a_posted_mission_is_202_with_location_and_on_disk_when_answered() async throws {
        let live = try LiveServer()
        let response = try await live.request("POST", "/api/missions", body: Self.echo)
        #expect(response.status == 202)
        let id = try #require(response.json["mission_id"]?.stringValue)
        #expect(response.header("location") == "/api/whiteboard/\(id)")
        #expect(response.json["type"] == .string("mission_started"))
        #expect(Set(response.json.members.map(\.key)) == ["type", "session_id", "intent", "message", "mission_id", "status", "whiteboard_url"])
        // Acknowledged means on disk: a fresh reader of the file sees the mission.
        let onDisk = try MissionStore(path: live.dir.file("missions.jsonl"), mode: .readOnly)
        #expect(onDisk.whiteboard(id)?.priority == 5)
        _ = await live.server.runtime.store.waitUntilTerminal(id, after: 0, limit: hangLimit)
        let board = try await live.request("GET", "/api/whiteboard/\(id)")
        #expect(board.json["status"] == .string("completed"))
        let early = try await live.request("GET", "/api/whiteboard/\(id)?at_seq=2")
        #expect(early.json["status"] == .string("queued"))
        let events = try await live.request("GET", "/api/missions/\(id)/events?since=2")
        let seqs = events.json["events"]?.arrayValue?.compactMap { $0.objectValue?["seq"]?.intValue }
        #expect(seqs?.first == 3)
        #expect(seqs == seqs?.sorted())
        try await live.stop()
    }

    @Test func the_same_identical_mission_is_deduplicated_while_live() async throws {
        let held = try LiveServer()
        // A closed queue runs nothing, so the first mission stays queued.
        await held.server.runtime.queue.close()
        let first = try await held.request("POST", "/api/missions", body: Self.echo)
        let second = try await held.request("POST", "/api/missions", body: Self.echo)
        #expect(first.status == 202)
        #expect(second.status == 200)
        #expect(second.json["type"] == .string("mission_deduplicated"))
        #expect(second.json["mission_id"] == first.json["mission_id"])
        try await held.stop()
    }

    @Test func past_max_queued_a_new_mission_is_503_queue_full_and_changes_nothing() async throws {
        let live = try LiveServer { $0.runtime.maxQueued = 2 }
        await live.server.runtime.queue.close()
        var ids: [String] = []
        for n in 0..<2 {
            let accepted = try await live.request("POST", "/api/missions", body: #"{"objective": {"type": "echo", "description": "wait \#(n)"}}"#)
            #expect(accepted.status == 202)
            ids.append(try #require(accepted.json["mission_id"]?.stringValue))
        }
        let records = live.server.runtime.store.log.lastSeq
        let refused = try await live.request("POST", "/api/missions", body: #"{"objective": {"type": "echo", "description": "one too many"}}"#)
        #expect(refused.status == 503)
        #expect(refused.errorCode == "queue_full")
        #expect(refused.header("retry-after") == "1")
        let chat = try await live.request("POST", "/chat/integrated", body: #"{"message": "echo also too many"}"#)
        #expect(chat.status == 503)
        #expect(chat.errorCode == "queue_full")
        #expect(live.server.runtime.store.log.lastSeq == records)
        let metrics = try await live.request("GET", "/metrics")
        #expect(metrics.text.contains("mission_queue_capacity 2"))
        // A cancelled mission stops waiting, which makes room.
        #expect(try await live.request("POST", "/api/missions/\(ids[0])/cancel").status == 200)
        let retried = try await live.request("POST", "/api/missions", body: #"{"objective": {"type": "echo", "description": "one too many"}}"#)
        #expect(retried.status == 202)
        try await live.stop()
    }

    @Test func an_idempotency_key_returns_the_first_answer_and_refuses_another_body() async throws {
        let live = try LiveServer()
        let headers = ["Idempotency-Key": "k-1"]
        let first = try await live.request("POST", "/api/missions", body: Self.echo, headers: headers)
        let again = try await live.request("POST", "/api/missions", body: Self.echo, headers: headers)
        #expect(first.status == 202)
        #expect(again.status == 202)
        #expect(again.json["mission_id"] == first.json["mission_id"])
        let other = try await live.request("POST", "/api/missions", body: #"{"objective": {"type": "echo", "description": "else"}}"#, headers: headers)
        #expect(other.status == 409)
        #expect(other.errorCode == "idempotency_key_reused")
        try await live.stop()
    }

    @Test func with_a_token_every_post_needs_it_and_reads_stay_open() async throws {
        let live = try LiveServer { $0.token = BearerToken("s3cret") }
        let refused = try await live.request("POST", "/chat/integrated", body: #"{"message": "echo x"}"#)
        #expect(refused.status == 401)
        #expect(refused.errorCode == "unauthorized")
        let wrong = try await live.request("POST", "/chat/integrated", body: #"{"message": "echo x"}"#, headers: ["Authorization": "Bearer s3cres"])
        #expect(wrong.status == 401)
        let allowed = try await live.request("POST", "/chat/integrated", body: #"{"message": "echo x"}"#, headers: ["Authorization": "bearer s3cret"])
        #expect(allowed.status == 202)
        #expect(try await live.request("GET", "/api/missions").status == 200)
        #expect(live.server.runtime.store.board.count == 1)
        try await live.stop()
    }

    @Test func a_non_loopback_host_without_a_token_refuses_to_start() throws {
        let dir = TemporaryDirectory()
        var options = MissionServer.Options(dataDirectory: DataDirectory(path: dir.path))
        options.http.host = "0.0.0.0"
        options.http.port = 0
        #expect(throws: ServerError.self) { try MissionServer(options) }
    }

    @Test(arguments: [
        ("DELETE", "/api/missions", nil as String?, 405, "method_not_allowed"),
        ("GET", "/chat/integrated", nil, 405, "method_not_allowed"),
        ("GET", "/nowhere", nil, 404, "not_found"),
        ("GET", "/api/whiteboard/m-missing", nil, 404, "not_found"),
        ("GET", "/api/missions?status=lost", nil, 400, "invalid_request"),
        ("GET", "/api/missions?limit=0", nil, 400, "invalid_request"),
        ("GET", "/api/missions?before=0", nil, 400, "invalid_request"),
        ("GET", "/api/missions?before=soon", nil, 400, "invalid_request"),
        ("POST", "/chat/integrated", "{\"message\": ", 400, "invalid_json"),
        ("POST", "/chat/integrated", "[1]", 400, "invalid_request"),
        ("POST", "/chat/integrated", "{\"text\": \"hi\"}", 400, "invalid_request"),
        ("POST", "/api/missions", "{\"objective\": {\"type\": \"teleport\", \"description\": \"x\"}}", 400, "invalid_request"),
        ("POST", "/api/missions", "{\"objective\": {\"type\": \"echo\", \"description\": \"x\"}, \"constraints\": {\"max_attempts\": 0}}", 400, "invalid_request"),
        ("POST", "/api/missions/m-missing/cancel", nil, 404, "not_found"),
        ("POST", "/api/internal/mission-event", "{\"mission_id\": \"m-missing\", \"event\": \"progress\", \"phase\": \"p\"}", 404, "not_found"),
        ("POST", "/api/internal/mission-event", "{\"mission_id\": \"m-x\", \"event\": \"dance\"}", 400, "invalid_request"),
    ])
    func bad_requests_get_their_status_and_a_json_error_and_change_nothing(_ method: String, _ target: String, _ body: String?, _ status: Int, _ code: String) async throws {
        let live = try LiveServer()
        let response = try await live.request(method, target, body: body)
        #expect(response.status == status)
        #expect(response.errorCode == code)
        #expect(response.json["error"]?.objectValue?["message"]?.stringValue?.isEmpty == false)
        if status == 405 { #expect(response.header("allow")?.contains("GET") == true || response.header("allow") == "POST") }
        #expect(live.server.runtime.store.log.lastSeq == 0)
        try await live.stop()
    }

    @Test func an_external_agent_posts_progress_and_artifacts_until_the_mission_ends() async throws {
        let live = try LiveServer()
        await live.server.runtime.queue.close()
        let created = try await live.request("POST", "/api/missions", body: Self.echo)
        let id = try #require(created.json["mission_id"]?.stringValue)
        let progress = try await live.request("POST", "/api/internal/mission-event",
                                              body: #"{"mission_id": "\#(id)", "event": "progress", "phase": "crawl", "message": "page 1"}"#)
        #expect(progress.status == 200)
        #expect(progress.json["seq"] == .int(3))
        let artifact = try await live.request("POST", "/api/internal/mission-event",
                                              body: #"{"mission_id": "\#(id)", "event": "artifact", "kind": "url", "uri": "https://example.org/"}"#)
        #expect(artifact.json["seq"] == .int(4))
        let board = try await live.request("GET", "/api/whiteboard/\(id)")
        #expect(board.json["progress"]?.objectValue?["phase"] == .string("crawl"))
        #expect(board.json["artifacts"]?.arrayValue?.count == 1)
        let cancelled = try await live.request("POST", "/api/missions/\(id)/cancel")
        #expect(cancelled.status == 200)
        #expect(cancelled.json["status"] == .string("cancelled"))
        let again = try await live.request("POST", "/api/missions/\(id)/cancel")
        #expect(again.status == 409)
        let late = try await live.request("POST", "/api/internal/mission-event",
                                          body: #"{"mission_id": "\#(id)", "event": "progress", "phase": "late"}"#)
        #expect(late.status == 409)
        try await live.stop()
    }

    @Test func list_filters_by_status_and_pages_newest_first() async throws {
        let live = try LiveServer()
        await live.server.runtime.queue.close()
        var ids: [String] = []
        for n in 0..<5 {
            let response = try await live.request("POST", "/api/missions", body: #"{"objective": {"type": "echo", "description": "n\#(n)"}}"#)
            ids.append(response.json["mission_id"]!.stringValue!)
        }
        _ = try await live.request("POST", "/api/missions/\(ids[0])/cancel")
        let page = try await live.request("GET", "/api/missions?status=queued&limit=2&offset=1")
        #expect(page.json["total"] == .int(4))
        #expect(page.json["missions"]?.arrayValue?.compactMap { $0.objectValue?["mission_id"]?.stringValue } == [ids[3], ids[2]])
        let summary = try #require(page.json["missions"]?.arrayValue?.first?.objectValue)
        #expect(Set(summary.members.map(\.key)) == ["mission_id", "status", "objective_type", "description", "priority", "created_at", "updated_at", "attempts", "created_seq"])
        // The cursor: the page ends where the next begins, and the last page says so.
        #expect(page.json["next_before"] == page.json["missions"]!.arrayValue!.last!.objectValue!["created_seq"])
        let next = try await live.request("GET", "/api/missions?status=queued&limit=2&before=\(page.json["next_before"]!.intValue!)")
        #expect(next.json["missions"]?.arrayValue?.compactMap { $0.objectValue?["mission_id"]?.stringValue } == [ids[1]])
        #expect(next.json["next_before"] == .null)
        #expect(next.json["total"] == .int(4))
        try await live.stop()
    }

    @Test func health_and_metrics_report_the_service() async throws {
        let live = try LiveServer()
        _ = try await live.request("POST", "/chat/integrated", body: #"{"message": "echo metrics"}"#)
        let health = try await live.request("GET", "/health")
        #expect(health.json["status"] == .string("ok"))
        #expect(health.json["uptime_s"]?.doubleValue != nil)
        #expect(health.json["first_seq"] == .int(1))
        #expect(health.json["missions_in_memory"] == .int(1))
        let metrics = try await live.request("GET", "/metrics")
        #expect(metrics.header("content-type")?.hasPrefix("text/plain") == true)
        for line in [#"mission_http_requests_total{route="/chat/integrated",method="POST",status="202"} 1"#,
                     #"mission_log_fsync_duration_seconds_count{log="missions"}"#, "mission_http_connections_open 1",
                     #"mission_missions{status="#, "mission_queue_depth", "mission_active_workers",
                     "mission_log_first_seq 1", "mission_missions_in_memory 1"] {
            #expect(metrics.text.contains(line), "\(line)")
        }
        try await live.stop()
    }
}
