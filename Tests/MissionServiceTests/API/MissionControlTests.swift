import MissionModel
@testable import MissionStore
import Foundation
import MissionTestSupport
import Testing
@testable import MissionService

/// CONTRACT §9 over a live server: run later, approval, pause and resume (of one mission and of
/// the whole queue), rerun; each also across a restart. Clocks are real and kept short.
@Suite struct MissionControlTests {
    static func echo(_ text: String, _ extra: String = "") -> String {
        #"{"objective": {"type": "echo", "description": "\#(text)"}\#(extra.isEmpty ? "" : ", " + extra)}"#
    }

    static func created(_ live: LiveServer, _ body: String, headers: [String: String] = [:]) async throws -> String {
        let response = try await live.request("POST", "/api/missions", body: body, headers: headers)
        #expect(response.status == 202, "\(response.text)")
        return try #require(response.json["mission_id"]?.stringValue)
    }

    static func whiteboard(_ live: LiveServer, _ id: String) async throws -> JSONObject {
        try await live.request("GET", "/api/whiteboard/\(id)").json
    }

    @Test func a_delayed_mission_waits_for_run_at_then_runs_once() async throws {
        let live = try LiveServer()
        // Far enough ahead that the checks come before it even on a loaded machine.
        let far = try await Self.created(live, Self.echo("much later", #""delay_seconds": 60"#))
        let waiting = try await Self.whiteboard(live, far)
        #expect(waiting["status"] == .string("queued"))
        #expect(waiting["waiting_for"] == .string("run_at"))
        let runAt = try #require(waiting["run_at"]?.stringValue.flatMap(Timestamp.init(parsing:)))
        let created = try #require(waiting["created_at"]?.stringValue.flatMap(Timestamp.init(parsing:)))
        // run_at is read from the clock as the request is parsed, created_at as its record is
        // made a moment later (4 ms once under ThreadSanitizer in CI): 60 s, less that moment.
        #expect((59_000...60_000).contains(runAt.milliseconds(since: created)), "\(runAt.milliseconds(since: created)) ms")
        // An answer about the past is the fold alone: `waiting_for` is the live view's.
        let past = try await live.request("GET", "/api/whiteboard/\(far)?at_seq=\(try #require(waiting["last_seq"]?.intValue))")
        #expect(past.json["waiting_for"] == .null)
        #expect(try await live.request("POST", "/api/missions/\(far)/cancel").json["status"] == .string("cancelled"))

        let soon = try await Self.created(live, Self.echo("soon", #""delay_seconds": 0.3"#))
        let board = try #require(await live.server.runtime.store.waitUntilTerminal(soon, after: 0, limit: hangLimit))
        #expect(board.status == .completed)
        #expect(board.attempts == 1)
        #expect(try #require(board.startTime) >= (try #require(board.runAt)))
        #expect(try await Self.whiteboard(live, soon)["waiting_for"] == .null)
        try await live.stop()
    }

    @Test func delayed_missions_start_in_the_order_of_their_run_at() async throws {
        let live = try LiveServer { $0.runtime.executor.workers = 1 }
        // Created in the reverse order of their times.
        let base = Timestamp.now().millisecondsSinceEpoch + 1500
        var ids: [String] = []
        var times: [Timestamp] = []
        for (n, offset) in [1000, 500, 0].enumerated() {
            times.append(Timestamp(millisecondsSinceEpoch: base + Int64(offset)))
            ids.append(try await Self.created(live, Self.echo("turn \(n)", #""run_at": "\#(times[n])""#)))
        }
        let setUpInTime = Timestamp.now() < times[2]
        var starts: [Timestamp] = []
        for (id, runAt) in zip(ids, times) {
            let board = try #require(await live.server.runtime.store.waitUntilTerminal(id, after: 0, limit: hangLimit))
            starts.append(try #require(board.startTime))
            #expect(try #require(board.startTime) >= runAt)
        }
        // Only if the machine created all three before the first was due (it may be loaded):
        // otherwise the ones already due start by arrival.
        if setUpInTime { #expect(starts[2] < starts[1] && starts[1] < starts[0], "\(starts) for \(times)") }
        try await live.stop()
    }

    @Test func a_run_at_in_the_past_runs_now_and_run_at_is_part_of_the_dedup_key() async throws {
        let live = try LiveServer()
        await live.server.runtime.queue.pauseAll()
        let past = #""run_at": "2020-01-01T00:00:00Z""#
        let first = try await Self.created(live, Self.echo("dated", past))
        let same = try await live.request("POST", "/api/missions", body: Self.echo("dated", past))
        #expect(same.json["type"] == .string("mission_deduplicated"))
        #expect(same.json["mission_id"] == .string(first))
        let other = try await Self.created(live, Self.echo("dated", #""run_at": "2020-01-01T00:00:01Z""#))
        #expect(other != first)
        await live.server.runtime.queue.resumeAll()
        for id in [first, other] {
            #expect(await live.server.runtime.store.waitUntilTerminal(id, after: 0, limit: hangLimit)?.status == .completed)
        }
        try await live.stop()
    }

    @Test(arguments: [
        (#""delay_seconds": -1"#, "delay_seconds"),
        (#""delay_seconds": 40000000"#, "delay_seconds"),
        (#""delay_seconds": "soon""#, "delay_seconds"),
        (#""run_at": "tomorrow""#, "run_at"),
        (#""run_at": "2020-01-01T00:00:00Z", "delay_seconds": 1"#, "run_at or delay_seconds"),
        (#""run_at": "2999-01-01T00:00:00Z""#, "run_at"),
        (#""requires_approval": "yes""#, "requires_approval"),
    ])
    func bad_timing_is_400_naming_the_field_and_changes_nothing(_ extra: String, _ named: String) async throws {
        let live = try LiveServer()
        let before = live.server.runtime.store.log.lastSeq
        let response = try await live.request("POST", "/api/missions", body: Self.echo("bad", extra))
        #expect(response.status == 400)
        #expect(response.json["error"]?.objectValue?["message"]?.stringValue?.contains(named) == true, "\(response.text)")
        #expect(live.server.runtime.store.log.lastSeq == before)
        try await live.stop()
    }

    @Test func a_repeat_of_a_delayed_request_under_its_idempotency_key_is_the_same_mission() async throws {
        let live = try LiveServer()
        let body = Self.echo("once", #""delay_seconds": 30"#)
        let first = try await Self.created(live, body, headers: ["Idempotency-Key": "delay-1"])
        let again = try await live.request("POST", "/api/missions", body: body, headers: ["Idempotency-Key": "delay-1"])
        #expect(again.json["mission_id"] == .string(first))
        let changed = try await live.request("POST", "/api/missions", body: Self.echo("once", #""delay_seconds": 31"#),
                                             headers: ["Idempotency-Key": "delay-1"])
        #expect(changed.status == 409)
        try await live.stop()
    }

    @Test func approval_holds_a_mission_until_approved_and_reject_cancels_one() async throws {
        let live = try LiveServer()
        let held = try await Self.created(live, Self.echo("needs a yes", #""requires_approval": true"#))
        let refused = try await Self.created(live, Self.echo("needs a yes too", #""requires_approval": true"#))
        #expect(try await Self.whiteboard(live, held)["waiting_for"] == .string("approval"))
        #expect(try await Self.whiteboard(live, held)["requires_approval"] == .bool(true))
        // Nothing runs it meanwhile: a plain mission created after it runs first.
        let plain = try await Self.created(live, Self.echo("plain"))
        #expect(await live.server.runtime.store.waitUntilTerminal(plain, after: 0, limit: hangLimit)?.status == .completed)
        #expect(live.server.runtime.store.whiteboard(held)?.status == .queued)

        let approved = try await live.request("POST", "/api/missions/\(held)/approve")
        #expect(approved.status == 200)
        // The answer is the board as read after the record: the mission may already be running.
        #expect(approved.json["timeline"]?.arrayValue?.contains { $0.objectValue?["message"] == .string("approved") } == true)
        #expect(await live.server.runtime.store.waitUntilTerminal(held, after: 0, limit: hangLimit)?.status == .completed)
        #expect(try await live.request("POST", "/api/missions/\(held)/approve").status == 409)

        let rejected = try await live.request("POST", "/api/missions/\(refused)/reject")
        #expect(rejected.status == 200)
        #expect(rejected.json["status"] == .string("cancelled"))
        #expect(rejected.json["timeline"]?.arrayValue?.last?.objectValue?["message"]?.stringValue?.hasPrefix("rejected") == true)
        #expect(try await live.request("POST", "/api/missions/\(plain)/approve").status == 409)
        #expect(try await live.request("POST", "/api/missions/m-none/approve").status == 404)
        try await live.stop()
    }

    @Test func a_paused_mission_waits_until_resumed_and_only_a_queued_one_can_be_paused() async throws {
        // One worker, first come first served: a mission created later that ends first shows
        // that the earlier one was held back.
        let live = try LiveServer { $0.runtime.executor.workers = 1 }
        await live.server.runtime.queue.pauseAll()
        let id = try await Self.created(live, Self.echo("pause me", #""delay_seconds": 0.2"#))
        let paused = try await live.request("POST", "/api/missions/\(id)/pause")
        #expect(paused.status == 200)
        #expect(paused.json["waiting_for"] == .string("paused"))
        #expect(try await live.request("POST", "/api/missions/\(id)/pause").status == 409)
        await live.server.runtime.queue.resumeAll()
        // Past its run_at it still waits: the pause comes first.
        let runAt = try #require(live.server.runtime.store.whiteboard(id)?.runAt)
        try await Task.sleep(for: .milliseconds(max(0, runAt.milliseconds(since: Timestamp.now())) + 20))
        let witness = try await Self.created(live, Self.echo("after the pause"))
        #expect(await live.server.runtime.store.waitUntilTerminal(witness, after: 0, limit: hangLimit)?.status == .completed)
        #expect(live.server.runtime.store.whiteboard(id)?.status == .queued)
        #expect(try await Self.whiteboard(live, id)["waiting_for"] == .string("paused"))
        #expect(try await live.request("POST", "/api/missions/\(id)/resume").status == 200)
        #expect(await live.server.runtime.store.waitUntilTerminal(id, after: 0, limit: hangLimit)?.status == .completed)
        #expect(try await live.request("POST", "/api/missions/\(id)/pause").status == 409)
        #expect(try await live.request("POST", "/api/missions/\(id)/resume").status == 409)
        #expect(try await live.request("GET", "/api/missions/\(id)/pause").status == 405)
        try await live.stop()
    }

    @Test func a_rerun_is_a_new_mission_naming_its_parent() async throws {
        let live = try LiveServer()
        await live.server.runtime.queue.pauseAll()
        let first = try await Self.created(live, Self.echo("again", #""priority": 7"#))
        // Only an ended mission can be rerun.
        #expect(try await live.request("POST", "/api/missions/\(first)/rerun").status == 409)
        await live.server.runtime.queue.resumeAll()
        _ = await live.server.runtime.store.waitUntilTerminal(first, after: 0, limit: hangLimit)
        let rerun = try await live.request("POST", "/api/missions/\(first)/rerun")
        #expect(rerun.status == 202)
        let second = try #require(rerun.json["mission_id"]?.stringValue)
        #expect(second != first)
        let board = try #require(await live.server.runtime.store.waitUntilTerminal(second, after: 0, limit: hangLimit))
        #expect(board.parentID == first)
        #expect(board.priority == 7)
        #expect(board.executionResult?.finalAnswer == "again")
        #expect(try await Self.whiteboard(live, second)["parent_id"] == .string(first))
        try await live.stop()
    }

    @Test func a_mission_after_others_starts_when_they_completed_and_a_failure_cancels_down_the_chain() async throws {
        let tools = ToolRegistry([EchoTool(), try CommandTool.allowing(["false"])])
        let live = try LiveServer { $0.runtime.tools = tools }
        // A chain held at its head by an approval: nothing below it starts before the head ends.
        let head = try await Self.created(live, Self.echo("head", #""requires_approval": true"#))
        let middle = try await Self.created(live, Self.echo("middle", #""after": ["\#(head)"]"#))
        let tail = try await Self.created(live, Self.echo("tail", #""after": ["\#(middle)", "\#(head)"]"#))
        #expect(try await Self.whiteboard(live, tail)["waiting_for"] == .string("dependencies"))
        #expect(try await Self.whiteboard(live, tail)["after"] == .strings([middle, head]))
        #expect(try await live.request("POST", "/api/missions/\(head)/approve").status == 200)
        var starts: [Timestamp] = []
        for id in [head, middle, tail] {
            let board = try #require(await live.server.runtime.store.waitUntilTerminal(id, after: 0, limit: hangLimit))
            #expect(board.status == .completed)
            starts.append(try #require(board.startTime))
        }
        let ends = [head, middle].compactMap { live.server.runtime.store.whiteboard($0)?.endTime }
        #expect(starts[1] >= ends[0] && starts[2] >= ends[1])

        let failing = try await Self.created(live, #"{"objective": {"type": "command", "description": "false"}, "constraints": {"max_attempts": 1}, "requires_approval": true}"#)
        let second = try await Self.created(live, Self.echo("never", #""after": ["\#(failing)"]"#))
        let third = try await Self.created(live, Self.echo("never either", #""after": ["\#(second)"]"#))
        #expect(try await live.request("POST", "/api/missions/\(failing)/approve").status == 200)
        for id in [second, third] {
            let board = try #require(await live.server.runtime.store.waitUntilTerminal(id, after: 0, limit: hangLimit))
            #expect(board.status == .cancelled)
            #expect(board.timeline.last?.message.hasPrefix("dependency_failed") == true, "\(board.timeline.last?.message ?? "")")
            #expect(board.startTime == nil)
        }
        // After one that already failed: created, then cancelled at once.
        let late = try await Self.created(live, Self.echo("too late", #""after": ["\#(failing)"]"#))
        #expect(await live.server.runtime.store.waitUntilTerminal(late, after: 0, limit: hangLimit)?.status == .cancelled)
        let unknown = try await live.request("POST", "/api/missions", body: Self.echo("x", #""after": ["m-0000000000000000"]"#))
        #expect(unknown.status == 400 && unknown.json["error"]?.objectValue?["message"]?.stringValue?.contains("after") == true)
        let wrongType = try await live.request("POST", "/api/missions", body: Self.echo("x", #""after": "m-1""#))
        #expect(wrongType.status == 400)
        try await live.stop()
    }

    @Test func a_lone_key_starts_within_one_turn_of_a_burst_under_another() async throws {
        let live = try LiveServer { $0.runtime.executor.workers = 1; $0.runtime.maxPerKey = 50 }
        await live.server.runtime.queue.pauseAll()
        var burst: [String] = []
        for n in 0..<40 { burst.append(try await Self.created(live, Self.echo("burst \(n)", #""concurrency_key": "A""#))) }
        let lone = try await Self.created(live, Self.echo("lone", #""concurrency_key": "B""#))
        await live.server.runtime.queue.resumeAll()
        let board = try #require(await live.server.runtime.store.waitUntilTerminal(lone, after: 0, limit: hangLimit))
        let loneStart = try #require(board.startTime)
        var startedBefore = 0
        for id in burst {
            let done = try #require(await live.server.runtime.store.waitUntilTerminal(id, after: 0, limit: hangLimit))
            if try #require(done.startTime) < loneStart || (done.startTime == loneStart && done.lastSeq < board.lastSeq) { startedBefore += 1 }
        }
        #expect(startedBefore <= 1, "\(startedBefore) of the burst started before the lone mission")
        #expect(try await Self.whiteboard(live, lone)["concurrency_key"] == .string("B"))
        try await live.stop()
    }

    @Test func a_key_runs_at_most_max_per_key_missions_and_the_next_waits_for_concurrency() async throws {
        let tools = ToolRegistry([EchoTool(), try CommandTool.allowing(["sleep"])])
        let live = try LiveServer { $0.runtime.tools = tools; $0.runtime.executor.workers = 4 }
        // Running until cancelled, however slow the machine is.
        let slow = try await Self.created(live, #"{"objective": {"type": "command", "description": "sleep 30"}, "concurrency_key": "K"}"#)
        #expect(await live.untilCommitted { live.server.runtime.store.whiteboard(slow)?.status == .active })
        let next = try await Self.created(live, Self.echo("after the slow one", #""concurrency_key": "K""#))
        let other = try await Self.created(live, Self.echo("another key", #""concurrency_key": "L""#))
        #expect(await live.server.runtime.store.waitUntilTerminal(other, after: 0, limit: hangLimit)?.status == .completed)
        // A worker is free, but K has its one mission running.
        let waiting = try await Self.whiteboard(live, next)
        #expect(waiting["status"] == .string("queued") && waiting["waiting_for"] == .string("concurrency"), "\(waiting)")
        #expect(try await live.request("POST", "/api/missions/\(slow)/cancel").status == 200)
        let slowEnd = try #require(await live.server.runtime.store.waitUntilTerminal(slow, after: 0, limit: hangLimit)?.endTime)
        let done = try #require(await live.server.runtime.store.waitUntilTerminal(next, after: 0, limit: hangLimit))
        #expect(try #require(done.startTime) >= slowEnd)
        let bad = try await live.request("POST", "/api/missions", body: Self.echo("x", #""concurrency_key": """#))
        #expect(bad.status == 400)
        try await live.stop()
    }

    @Test func mission_control_holds_across_a_restart() async throws {
        let dir = TemporaryDirectory()
        let first = try LiveServer(dir: dir)
        #expect(try await first.request("POST", "/api/queue/pause").json["paused"] == .bool(true))
        let queued = try await Self.created(first, Self.echo("held by the queue"))
        #expect(try await Self.whiteboard(first, queued)["waiting_for"] == .string("queue_paused"))
        #expect(try await first.request("GET", "/health").json["paused"] == .bool(true))
        let approval = try await Self.created(first, Self.echo("approve after restart", #""requires_approval": true"#))
        let delayed = try await Self.created(first, Self.echo("due after restart", #""delay_seconds": 1.5"#))
        let dependent = try await Self.created(first, Self.echo("after the approved one", #""after": ["\#(approval)"]"#))
        try await first.stop()

        let second = try LiveServer(dir: dir)
        #expect(try await second.request("GET", "/health").json["paused"] == .bool(true))
        try await Task.sleep(for: .milliseconds(300))
        #expect(second.server.runtime.store.whiteboard(queued)?.status == .queued)
        #expect(try await second.request("POST", "/api/queue/resume").json["paused"] == .bool(false))
        #expect(await second.server.runtime.store.waitUntilTerminal(queued, after: 0, limit: hangLimit)?.status == .completed)
        #expect(try await Self.whiteboard(second, approval)["waiting_for"] == .string("approval"))
        #expect(try await second.request("POST", "/api/missions/\(approval)/approve").status == 200)
        let due = try #require(await second.server.runtime.store.waitUntilTerminal(delayed, after: 0, limit: hangLimit))
        #expect(due.status == .completed)
        #expect(try #require(due.startTime) >= (try #require(due.runAt)))
        #expect(await second.server.runtime.store.waitUntilTerminal(approval, after: 0, limit: hangLimit)?.status == .completed)
        let after = try #require(await second.server.runtime.store.waitUntilTerminal(dependent, after: 0, limit: hangLimit))
        #expect(after.status == .completed)
        #expect(try #require(after.startTime) >= (try #require(second.server.runtime.store.whiteboard(approval)?.endTime)))
        try await second.stop()
        // Every record of it is sound for `mission verify`.
        let report = try LogVerifier.verify(path: dir.file("missions.jsonl"), kind: .missions)
        #expect(report.problems.isEmpty, "\(report.problems)")
    }
}

/// CONTRACT §9 roles: `--read-token` closes reads; it changes nothing.
@Suite struct ReadTokenTests {
    @Test func reads_need_the_read_or_the_write_token_and_the_read_token_writes_nothing() async throws {
        let live = try LiveServer {
            $0.token = BearerToken("writer")
            $0.readToken = BearerToken("reader")
        }
        let reader = ["Authorization": "Bearer reader"], writer = ["Authorization": "Bearer writer"]
        let created = try await live.request("POST", "/api/missions", body: MissionControlTests.echo("roles"), headers: writer)
        #expect(created.status == 202)
        let id = try #require(created.json["mission_id"]?.stringValue)
        for path in ["/api/missions", "/api/whiteboard/\(id)", "/api/missions/\(id)/events", "/metrics"] {
            let closed = try await live.request("GET", path)
            #expect(closed.status == 401 && closed.errorCode == "unauthorized", "\(path)")
            #expect(closed.header("www-authenticate") == "Bearer")
            #expect(try await live.request("GET", path, headers: ["Authorization": "Bearer guess"]).status == 401)
            #expect(try await live.request("GET", path, headers: reader).status == 200, "\(path)")
            #expect(try await live.request("GET", path, headers: writer).status == 200, "\(path)")
        }
        for path in ["/health", "/", "/dashboard.js"] {
            #expect(try await live.request("GET", path).status == 200, "\(path)")
        }
        let before = live.server.runtime.store.log.lastSeq
        #expect(try await live.request("POST", "/api/missions", body: MissionControlTests.echo("by a reader"), headers: reader).status == 401)
        #expect(try await live.request("POST", "/api/queue/pause", headers: reader).status == 401)
        #expect(try await live.request("POST", "/api/missions/\(id)/cancel", headers: reader).status == 401)
        #expect(live.server.runtime.store.log.lastSeq == before)
        try await live.stop()
    }

    @Test func a_read_token_without_a_write_token_is_refused_at_start() async throws {
        let dir = TemporaryDirectory()
        let result = try await ChildProcess.run(["serve", "--port", "0", "--data", dir.path, "--read-token", "reader"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("--read-token (or MISSION_READ_TOKEN) needs --token too"), "\(result.stderr)")
    }
}
