import MissionModel
@testable import MissionStore
import Foundation
import MissionTestSupport
import Testing
@testable import MissionService

/// An orchestrator over a runtime whose executor is not running: chat never waits for
/// execution, so missions stay queued unless a test runs them.
struct ChatHarness {
    let dir: TemporaryDirectory
    let runtime: MissionRuntime
    let chat: ChatOrchestrator

    init(dir: TemporaryDirectory = TemporaryDirectory(), policy: DoubleTextingPolicy = .enqueue, tools: [any MissionTool] = []) throws {
        self.dir = dir
        var options = MissionRuntime.Options(dataDirectory: DataDirectory(path: dir.path))
        options.tools = ToolRegistry([EchoTool()] + tools)
        runtime = try MissionRuntime(options)
        var configuration = ChatOrchestrator.Configuration()
        configuration.policy = policy
        chat = ChatOrchestrator(runtime: runtime, configuration: configuration)
    }

    func say(_ message: String, session: String? = nil, key: String? = nil, policy: DoubleTextingPolicy? = nil) async throws -> ChatEnvelope {
        try await chat.handle(ChatRequest(message: message, sessionID: session, idempotencyKey: key, policy: policy))
    }

    /// The missions log as a fresh process reads it from disk.
    func onDisk() throws -> MissionStore {
        try MissionStore(path: dir.file("missions.jsonl"), mode: .readOnly)
    }

    /// Signals of one type as on disk (after those still queued are synced).
    func signals(_ type: String) async -> [JSONObject] {
        await runtime.signals.log.flush()
        return dir.lines("learning_signals.jsonl").map(parse).filter { $0["signal_type"] == .string(type) }
    }
}

@Suite struct ChatOrchestratorTests {
    @Test func an_echo_message_starts_a_mission_whose_records_are_on_disk_when_answered() async throws {
        let h = try ChatHarness()
        let envelope = try await h.say("echo hello there")
        #expect(envelope.type == .missionStarted)
        #expect(envelope.httpStatus == 202)
        #expect(envelope.status == .queued)
        #expect(envelope.sessionID.hasPrefix("s-"))
        let id = try #require(envelope.missionID)
        #expect(envelope.whiteboardURL == "/api/whiteboard/\(id)")
        let board = try #require(try h.onDisk().whiteboard(id))
        #expect(board.objective == Objective(type: "echo", description: "hello there"))
        #expect(board.source?.channel == "chat")
        #expect(board.source?.sessionID == envelope.sessionID)
        #expect(board.source?.messageID?.hasPrefix("c-") == true)
        let json = envelope.json
        #expect(json.members.map(\.key) == ["type", "session_id", "intent", "message", "mission_id", "status", "whiteboard_url"])
        #expect(await h.signals("mission_proposed").count == 1)
        let classified = try #require(await h.signals("intent_classified").first)
        #expect(classified["message"] == .string("echo hello there"))
        #expect(classified["intent"] == .string("echo"))
        #expect(classified["confidence"] == .double(0.95))
        await h.runtime.close()
    }

    @Test func every_message_is_classified_into_a_signal_and_replies_carry_every_key() async throws {
        let h = try ChatHarness()
        let messages = ["hi", "", "book a flight", "status of m-0000000000000000", "cancel m-0000000000000000", "list missions", "help"]
        for message in messages {
            let envelope = try await h.say(message)
            #expect(envelope.httpStatus == 200)
            #expect(envelope.json.members.count == 7)
            #expect(envelope.json["mission_id"] == .null)
        }
        #expect(await h.signals("intent_classified").map { $0["message"] } == messages.map { .string($0) })
        #expect(h.runtime.store.log.lastSeq == 0)
        await h.runtime.close()
    }

    @Test func status_cancel_and_list_act_on_missions() async throws {
        let h = try ChatHarness()
        let id = try #require(try await h.say("echo status me").missionID)
        let status = try await h.say("how is \(id) doing?")
        #expect(status.type == .missionStatus)
        #expect(status.status == .queued)
        #expect(status.message.contains("is queued"))
        let list = try await h.say("list missions")
        #expect(list.type == .missionList)
        #expect(list.message.contains(id))
        #expect(list.message.hasPrefix("1 mission:"), "\(list.message)")
        #expect(try await h.say("list queued missions").message.hasPrefix("1 queued mission:"))
        let cancelled = try await h.say("cancel \(id)")
        #expect(cancelled.type == .missionCancelled)
        #expect(cancelled.status == .cancelled)
        #expect(try h.onDisk().whiteboard(id)?.status == .cancelled)
        let again = try await h.say("cancel \(id)")
        #expect(again.type == .reply)
        #expect(again.message.contains("already cancelled"))
        let unknown = try await h.say("cancel m-ffffffffffffffff")
        #expect(unknown.type == .reply)
        #expect(unknown.message.contains("no mission m-ffffffffffffffff"))
        await h.runtime.close()
    }

    @Test func a_mission_no_tool_here_can_run_gets_a_reply_and_creates_nothing() async throws {
        let h = try ChatHarness()
        let envelope = try await h.say("run ls -la")
        #expect(envelope.type == .reply)
        #expect(envelope.intent.name == "run_command")
        #expect(envelope.message.contains("cannot start here"))
        #expect(h.runtime.store.log.lastSeq == 0)
        await h.runtime.close()
    }

    @Test func identical_requests_racing_from_many_sessions_create_one_mission() async throws {
        let h = try ChatHarness()
        let envelopes = try await withThrowingTaskGroup(of: ChatEnvelope.self) { group in
            for i in 0..<100 { group.addTask { try await h.say("echo the same thing", session: "s-\(i)") } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(envelopes.filter { $0.type == .missionStarted }.count == 1)
        #expect(envelopes.filter { $0.type == .missionDeduplicated }.count == 99)
        #expect(Set(envelopes.compactMap(\.missionID)).count == 1)
        #expect(try h.onDisk().board.count == 1)
        #expect(await h.signals("duplicate_suppressed").count == 99)
        await h.runtime.close()
    }

    @Test func many_sessions_at_once_each_get_their_own_missions() async throws {
        let h = try ChatHarness()
        let envelopes = try await withThrowingTaskGroup(of: ChatEnvelope.self) { group in
            for i in 0..<60 { group.addTask { try await h.say("echo job \(i)", session: "s-\(i % 6)") } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(envelopes.allSatisfy { $0.type == .missionStarted })
        let disk = try h.onDisk()
        for envelope in envelopes { #expect(disk.whiteboard(envelope.missionID!) != nil) }
        for session in 0..<6 {
            let missions = h.chat.missions(inSession: "s-\(session)")
            #expect(missions.count == 10)
            #expect(Set(missions.map(\.missionID)) == Set(envelopes.filter { $0.sessionID == "s-\(session)" }.compactMap(\.missionID)))
        }
        await h.runtime.close()
    }

    @Test func racing_requests_with_one_idempotency_key_create_one_mission_and_one_answer() async throws {
        let h = try ChatHarness()
        let envelopes = try await withThrowingTaskGroup(of: ChatEnvelope.self) { group in
            for _ in 0..<50 { group.addTask { try await h.say("echo once only", session: "s-1", key: "key-1") } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(Set(envelopes).count == 1)
        #expect(envelopes[0].type == .missionStarted)
        #expect(envelopes[0].httpStatus == 202)
        #expect(try h.onDisk().board.count == 1)
        await #expect(throws: ChatError.idempotencyKeyReused("key-1")) { try await h.say("echo something else", session: "s-1", key: "key-1") }
        await #expect(throws: ChatError.idempotencyKeyReused("key-1")) { try await h.say("echo once only", session: "s-2", key: "key-1") }
        await h.runtime.close()
    }

    @Test func an_idempotency_key_answers_with_the_original_envelope_after_a_restart() async throws {
        let dir = TemporaryDirectory()
        var h = try ChatHarness(dir: dir)
        let original = try await h.say("echo survive restarts", session: "s-r", key: "k-restart")
        let other = try await h.say("status of m-0000000000000000", key: "k-status")
        await h.runtime.close()
        h = try ChatHarness(dir: dir)
        #expect(try await h.say("echo survive restarts", session: "s-r", key: "k-restart") == original)
        await #expect(throws: ChatError.idempotencyKeyReused("k-restart")) { try await h.say("echo changed", session: "s-r", key: "k-restart") }
        // A key that created no mission is remembered for the life of the process only.
        #expect(try await h.say("status of m-0000000000000000", key: "k-status").message == other.message)
        #expect(try h.onDisk().board.count == 1)
        await h.runtime.close()
        // From a checkpoint too.
        h = try ChatHarness(dir: dir)
        #expect(h.runtime.openReport.checkpoint.hasPrefix("checkpoint at seq"))
        #expect(try await h.say("echo survive restarts", session: "s-r", key: "k-restart") == original)
        await h.runtime.close()
    }

    @Test func the_api_path_shares_idempotency_and_dedup() async throws {
        let h = try ChatHarness()
        let request = MissionRequest(objective: Objective(type: "echo", description: "from the api"), priority: 3, source: MissionSource(channel: .api))
        let first = try await h.chat.submit(request, idempotencyKey: "api-1")
        #expect(first.type == .missionStarted)
        #expect(first.intent.name == "create_mission")
        #expect(try await h.chat.submit(request, idempotencyKey: "api-1") == first)
        var changed = request
        changed.priority = 4
        await #expect(throws: ChatError.idempotencyKeyReused("api-1")) { try await h.chat.submit(changed, idempotencyKey: "api-1") }
        let twin = try await h.chat.submit(request)
        #expect(twin.type == .missionDeduplicated)
        #expect(twin.missionID == first.missionID)
        let bad = MissionRequest(objective: Objective(type: "teleport", description: "x"), source: MissionSource(channel: .api))
        await #expect(throws: ChatError.self) { try await h.chat.submit(bad) }
        #expect(try h.onDisk().whiteboard(first.missionID!)?.source?.channel == "api")
        await h.runtime.close()
    }

    @Test func double_texting_enqueue_keeps_both() async throws {
        let h = try ChatHarness()
        let first = try await h.say("echo one", session: "s-dt")
        let second = try await h.say("echo two", session: "s-dt")
        #expect(first.type == .missionStarted)
        #expect(second.type == .missionStarted)
        #expect(h.chat.missions(inSession: "s-dt").map(\.status) == [.queued, .queued])
        await h.runtime.close()
    }

    @Test func double_texting_reject_says_what_is_running_and_starts_nothing() async throws {
        let h = try ChatHarness(policy: .reject)
        let first = try await h.say("echo one", session: "s-dt")
        let second = try await h.say("echo two", session: "s-dt")
        #expect(second.type == .reply)
        #expect(second.missionID == first.missionID)
        #expect(second.message.contains("still queued"))
        #expect(try h.onDisk().board.count == 1)
        // Another session is not affected, and a message may override the policy.
        #expect(try await h.say("echo two", session: "s-other").type == .missionStarted)
        #expect(try await h.say("echo three", session: "s-dt", policy: .enqueue).type == .missionStarted)
        await h.runtime.close()
    }

    @Test func double_texting_interrupt_cancels_the_previous_then_starts_the_new() async throws {
        let h = try ChatHarness()
        let first = try await h.say("echo one", session: "s-dt")
        let second = try await h.say("echo two", session: "s-dt", policy: .interrupt)
        #expect(second.type == .missionStarted)
        let disk = try h.onDisk()
        #expect(disk.whiteboard(first.missionID!)?.status == .cancelled)
        #expect(disk.whiteboard(second.missionID!)?.status == .queued)
        #expect(await h.signals("mission_cancelled").count == 1)
        await h.runtime.close()
    }

    @Test func after_a_mission_finishes_the_same_request_creates_a_new_one() async throws {
        let h = try ChatHarness()
        let runner = Task { await h.runtime.executor.run() }
        let first = try await h.say("echo again and again")
        _ = await h.runtime.store.waitUntilTerminal(first.missionID!, after: 0, limit: hangLimit)
        let second = try await h.say("echo again and again")
        #expect(second.type == .missionStarted)
        #expect(second.missionID != first.missionID)
        await h.runtime.executor.shutdown(grace: .seconds(5))
        await runner.value
        await h.runtime.close()
    }
}
