import MissionModel
@testable import MissionStore
import Foundation
import Synchronization
import MissionTestSupport
import Testing
@testable import MissionService

/// Fails its first `failures` attempts, then answers; counts attempts per mission.
final class FlakyTool: MissionTool {
    let name = "flaky"
    let failures: Int
    let attempts = Mutex<[String: Int]>([:])

    init(failures: Int) { self.failures = failures }

    func run(_ request: ToolRequest, events: ToolEvents) async throws -> ExecutionResult {
        let n = attempts.withLock { $0[request.missionID, default: 0] += 1; return $0[request.missionID]! }
        try await events.progress("try", "attempt \(n)")
        if n <= failures { throw ToolError("planned failure \(n)") }
        return ExecutionResult(success: true, finalAnswer: "ok after \(n)", toolsUsed: [name])
    }
}

/// Runs until cancelled (or for `seconds` given in the description).
struct SlowTool: MissionTool {
    let name = "slow"

    func run(_ request: ToolRequest, events: ToolEvents) async throws -> ExecutionResult {
        try await events.progress("sleep", "sleeping")
        try await Task.sleep(for: .seconds(Double(request.objective.description) ?? 3600))
        return ExecutionResult(success: true, finalAnswer: "woke", toolsUsed: [name])
    }
}

/// Notes, as it starts, its mission's status on the board, which folds synced records only.
final class WriteAheadProbe: MissionTool {
    let name = "probe"
    let board = Mutex<MissionBoard?>(nil)
    let seenAtStart = Mutex<[MissionStatus?]>([])

    func run(_ request: ToolRequest, events: ToolEvents) async throws -> ExecutionResult {
        let status = board.withLock { $0?.whiteboard(request.missionID)?.status }
        seenAtStart.withLock { $0.append(status) }
        return ExecutionResult(success: true, finalAnswer: "probed", toolsUsed: [name])
    }
}

/// Returns promptly, so it runs inline. "cancel": its mission is cancelled while it runs;
/// "fail": its first attempt throws.
final class PromptTool: MissionTool {
    let name = "prompt"
    let returnsPromptly = true
    let queue = Mutex<ExecutionQueue?>(nil)
    let attempts = Mutex(0)

    func run(_ request: ToolRequest, events: ToolEvents) async throws -> ExecutionResult {
        try await events.progress("prompt", request.objective.description)
        switch request.objective.description {
        case "cancel":
            let result = await queue.withLock { $0 }!.cancel(request.missionID)
            guard result == .signalledRunning else { throw ToolError("cancel gave \(result)") }
        case "fail":
            if attempts.withLock({ $0 += 1; return $0 }) == 1 { throw ToolError("planned failure") }
        default:
            break
        }
        return ExecutionResult(success: true, finalAnswer: "done", toolsUsed: [name])
    }
}

/// A runtime on a temporary data directory with fast retries; closed by `finish`.
struct Harness {
    let dir: TemporaryDirectory
    let runtime: MissionRuntime
    let runner: Task<Void, Never>

    init(dir: TemporaryDirectory = TemporaryDirectory(), workers: Int = 2, tools: [any MissionTool] = [],
         recover: Bool = true, maxUnsettled: Int = 1024) async throws {
        self.dir = dir
        var options = MissionRuntime.Options(dataDirectory: DataDirectory(path: dir.path))
        options.executor.workers = workers
        options.executor.retry = RetryPolicy(baseDelay: .milliseconds(20))
        options.executor.jitter = { 0.5 }
        options.executor.maxUnsettled = maxUnsettled
        options.tools = ToolRegistry([EchoTool()] + tools)
        let runtime = try MissionRuntime(options)
        self.runtime = runtime
        if recover { _ = try await runtime.executor.recover() }
        runner = Task { await runtime.executor.run() }
    }

    func submit(_ type: String, _ description: String, maxAttempts: Int = 3, maxDuration: Double = 30, priority: Int = 0) async throws -> Submission {
        try await runtime.submit(MissionRequest(objective: Objective(type: type, description: description),
                                                constraints: Constraints(maxDurationSeconds: maxDuration, maxAttempts: maxAttempts),
                                                priority: priority, source: MissionSource(channel: .cli)))
    }

    func waitForTerminal(_ id: String) async -> Whiteboard? {
        await runtime.store.waitUntilTerminal(id, after: 0, limit: hangLimit)
    }

    func finish(grace: Duration = .seconds(5)) async {
        await runtime.executor.shutdown(grace: grace)
        await runner.value
        await runtime.close()
    }
}

@Suite struct ExecutorTests {
    @Test func an_echo_mission_runs_to_completion_with_its_records_and_signals() async throws {
        let h = try await Harness()
        let submission = try await h.submit("echo", "hello world")
        guard case .created(let created) = submission else { Issue.record("not created"); return }
        #expect(created.status == .queued)
        let board = try #require(await h.waitForTerminal(created.missionID))
        await h.finish()
        #expect(board.status == .completed)
        #expect(board.executionResult == ExecutionResult(success: true, finalAnswer: "hello world", toolsUsed: ["echo"]))
        #expect(board.timeline.map { $0.labelKind == .none ? $0.eventType : $0.label } == ["mission_created", "queued", "active", "echo", "completed"])
        let signals = h.dir.lines("learning_signals.jsonl").map { parse($0)["signal_type"]!.stringValue! }
        #expect(signals == ["mission_proposed", "mission_executed"])
        let executed = parse(h.dir.lines("learning_signals.jsonl")[1])
        #expect(executed["success"] == .bool(true))
        #expect(executed["attempt"] == .int(1))
    }

    @Test func a_tool_acting_outside_the_process_starts_only_once_its_start_is_synced() async throws {
        let probe = WriteAheadProbe()
        #expect(probe.actsOutsideProcess && !EchoTool().actsOutsideProcess)
        let h = try await Harness(tools: [probe])
        probe.board.withLock { $0 = h.runtime.store.board }
        var ids: [String] = []
        for n in 0..<20 { ids.append(try await h.submit("probe", "write-ahead \(n)").whiteboard.missionID) }
        for id in ids { #expect(await h.waitForTerminal(id)?.status == .completed) }
        await h.finish()
        #expect(probe.seenAtStart.withLock { $0 } == Array(repeating: .active, count: 20))
    }

    @Test(arguments: [0, 1024])
    func ended_missions_leave_the_queue_once_their_last_record_is_synced(maxUnsettled: Int) async throws {
        let h = try await Harness(workers: 4, maxUnsettled: maxUnsettled)
        var ids: [String] = []
        for n in 0..<40 { ids.append(try await h.submit("echo", "settle \(n)").whiteboard.missionID) }
        for id in ids { #expect(await h.waitForTerminal(id)?.status == .completed) }
        // Each leaves the queue: an identical request now makes a new mission.
        await h.runtime.queue.waitUntilIdle()
        #expect(h.runtime.executor.unsettled.withLock { $0.count } == 0)
        let again = try await h.submit("echo", "settle 0")
        guard case .created = again else { Issue.record("an ended mission still counted as a duplicate"); return }
        _ = await h.waitForTerminal(again.whiteboard.missionID)
        await h.finish()
        let executed = h.dir.lines("learning_signals.jsonl").map { parse($0) }.filter { $0["signal_type"]?.stringValue == "mission_executed" }
        #expect(executed.count == 41)
        #expect(Set(executed.compactMap { $0["mission_id"]?.stringValue }).count == 41)
    }

    @Test func shutdown_right_after_missions_end_still_writes_their_signals() async throws {
        let h = try await Harness(workers: 4)
        var ids: [String] = []
        for n in 0..<40 { ids.append(try await h.submit("echo", "ending \(n)").whiteboard.missionID) }
        for id in ids { _ = await h.waitForTerminal(id) }
        // As `mission run` does: stop with no grace as soon as the log shows the end.
        await h.finish(grace: .zero)
        let executed = h.dir.lines("learning_signals.jsonl").map { parse($0) }.filter { $0["signal_type"]?.stringValue == "mission_executed" }
        #expect(Set(executed.compactMap { $0["mission_id"]?.stringValue }) == Set(ids))
    }

    @Test func failures_are_retried_with_backoff_until_success() async throws {
        let h = try await Harness(tools: [FlakyTool(failures: 2)])
        let id = try await h.submit("flaky", "x").whiteboard.missionID
        let board = try #require(await h.waitForTerminal(id))
        await h.finish()
        #expect(board.status == .completed)
        #expect(board.attempts == 3)
        #expect(board.executionResult?.finalAnswer == "ok after 3")
        let reasons = board.timeline.filter { $0.labelKind == .status }.map(\.message)
        #expect(reasons == ["enqueued", "execution_started", "retry_scheduled: planned failure 1", "execution_started",
                            "retry_scheduled: planned failure 2", "execution_started", "execution_finished"])
        await h.runtime.signals.log.flush()
        let retried = h.dir.lines("learning_signals.jsonl").map(parse).filter { $0["signal_type"] == .string("mission_retried") }
        #expect(retried.map { $0["retry_in_ms"] } == [.int(15), .int(30)])
    }

    @Test func a_mission_fails_after_max_attempts() async throws {
        let h = try await Harness(tools: [FlakyTool(failures: 10)])
        let id = try await h.submit("flaky", "x", maxAttempts: 2).whiteboard.missionID
        let board = try #require(await h.waitForTerminal(id))
        await h.finish()
        #expect(board.status == .failed)
        #expect(board.attempts == 2)
        #expect(board.executionResult?.error == "planned failure 2")
        #expect(board.timeline.last?.message == "execution_failed: planned failure 2")
    }

    @Test func max_duration_is_enforced_as_a_timeout() async throws {
        // The tool would sleep an hour: reaching `failed` at all (the harness waits 20 s) is the proof.
        let h = try await Harness(tools: [SlowTool()])
        let id = try await h.submit("slow", "3600", maxAttempts: 1, maxDuration: 0.2).whiteboard.missionID
        let board = try #require(await h.waitForTerminal(id))
        await h.finish()
        #expect(board.status == .failed)
        #expect(board.timeline.last?.label == "failed")
        #expect(board.timeline.last?.message.hasPrefix("timeout: attempt 1 ran past max_duration_seconds (0.2 s)") == true)
    }

    @Test func cancelling_a_running_mission_stops_its_tool() async throws {
        let h = try await Harness(tools: [SlowTool()])
        let id = try await h.submit("slow", "3600").whiteboard.missionID
        // Wait for the tool to start (its progress record), then cancel.
        for try await entry in h.runtime.store.log.follow(after: 0) where try entry.record()["phase"] == .string("sleep") { break }
        let outcome = try await h.runtime.executor.cancel(id)
        guard case .cancelled(let board) = outcome else { Issue.record("\(outcome)"); return }
        #expect(board.status == .cancelled)
        #expect(board.timeline.last?.message.hasPrefix("cancelled_by_user") == true)
        guard case .alreadyTerminal = try await h.runtime.executor.cancel(id) else { Issue.record("second cancel"); return }
        await h.finish()
    }

    @Test func a_tool_that_returns_promptly_runs_inline_and_a_stop_while_it_runs_still_wins() async throws {
        let prompt = PromptTool()
        #expect(prompt.returnsPromptly && EchoTool().returnsPromptly && !SlowTool().returnsPromptly)
        let h = try await Harness(tools: [prompt])
        prompt.queue.withLock { $0 = h.runtime.queue }
        let cancelled = try await h.submit("prompt", "cancel").whiteboard.missionID
        let board = await h.waitForTerminal(cancelled)
        #expect(board?.status == .cancelled)
        #expect(board?.timeline.last?.message.hasPrefix("cancelled_by_user") == true)
        // A throw fails the attempt and is retried, as when supervised.
        let retried = try await h.submit("prompt", "fail").whiteboard.missionID
        let second = await h.waitForTerminal(retried)
        #expect(second?.status == .completed)
        #expect(second?.attempts == 2)
        #expect(second?.timeline.contains { $0.message.contains("planned failure") } == true)
        await h.finish()
    }

    @Test func an_inline_attempt_reaches_the_log_in_one_append_from_its_start_to_its_end() async throws {
        let h = try await Harness(workers: 4)
        var ids: [String] = []
        for n in 0..<30 { ids.append(try await h.submit("echo", "together \(n)").whiteboard.missionID) }
        for id in ids { #expect(await h.waitForTerminal(id)?.status == .completed) }
        await h.finish()
        // Four workers ran them side by side, yet no other record comes between one attempt's
        // start, its progress and its end: they were written as one batch.
        let records = h.dir.lines("missions.jsonl").map { parse($0) }
        for id in ids {
            let mine = records.filter { $0["mission_id"]?.stringValue == id && $0["event_type"]?.stringValue != "mission_created" }
            #expect(mine.map { $0["status"]?.stringValue ?? $0["phase"]?.stringValue } == ["queued", "active", "echo", "completed"])
            let seqs = mine.dropFirst().compactMap { $0["seq"]?.intValue }
            #expect(seqs == Array(seqs[0]..<(seqs[0] + 3)), "mission \(id): \(seqs)")
        }
    }

    @Test func cancelling_a_queued_mission_removes_it_before_it_runs() async throws {
        let h = try await Harness(workers: 1, tools: [SlowTool()])
        let blocker = try await h.submit("slow", "3600").whiteboard.missionID
        let queued = try await h.submit("echo", "never runs").whiteboard.missionID
        guard case .cancelled(let board) = try await h.runtime.executor.cancel(queued) else { Issue.record("not cancelled"); return }
        #expect(board.status == .cancelled)
        #expect(board.startTime == nil)
        #expect(board.attempts == 0)
        _ = try await h.runtime.executor.cancel(blocker)
        await h.finish()
        #expect(h.runtime.store.whiteboard(queued)?.eventCount == 3)
        guard case .notFound = try await h.runtime.executor.cancel("m-missing") else { Issue.record("missing"); return }
    }

    @Test func identical_requests_while_one_is_queued_create_one_mission() async throws {
        let h = try await Harness(workers: 1, tools: [SlowTool()])
        let blocker = try await h.submit("slow", "3600").whiteboard.missionID
        let results = try await withThrowingTaskGroup(of: Submission.self) { group in
            for _ in 0..<50 { group.addTask { try await h.submit("echo", "same thing") } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let created = results.filter { if case .created = $0 { return true } else { return false } }
        #expect(created.count == 1)
        #expect(Set(results.map(\.whiteboard.missionID)).count == 1)
        #expect(h.runtime.store.board.count == 2)
        _ = try await h.runtime.executor.cancel(blocker)
        let first = try #require(await h.waitForTerminal(created[0].whiteboard.missionID))
        #expect(first.status == .completed)
        // Once finished, the same request is a new mission.
        guard case .created(let again) = try await h.submit("echo", "same thing") else { Issue.record("not created again"); return }
        #expect(again.missionID != first.missionID)
        await h.finish()
        let suppressed = h.dir.lines("learning_signals.jsonl").map(parse).filter { $0["signal_type"] == .string("duplicate_suppressed") }
        #expect(suppressed.count == 49)
    }

    @Test func shutdown_past_grace_puts_running_missions_back_to_queued() async throws {
        let h = try await Harness(tools: [SlowTool()])
        let id = try await h.submit("slow", "3600").whiteboard.missionID
        for try await entry in h.runtime.store.log.follow(after: 0) where try entry.record()["phase"] == .string("sleep") { break }
        await h.finish(grace: .milliseconds(50))
        let board = try #require(h.runtime.store.whiteboard(id))
        #expect(board.status == .queued)
        #expect(board.timeline.last?.message.hasPrefix("interrupted") == true)
    }

    @Test func graceful_interruptions_hand_their_attempt_back_and_the_board_says_it_waits() async throws {
        let dir = TemporaryDirectory()
        var id = ""
        // More interruptions than attempts: none of them may use one up.
        for round in 0..<4 {
            let h = try await Harness(dir: dir, tools: [SlowTool()])
            if round == 0 { id = try await h.submit("slow", "3600", maxAttempts: 3).whiteboard.missionID }
            let from = h.runtime.store.board.appliedSeq
            for try await entry in h.runtime.store.log.follow(after: from) where try entry.record()["phase"] == .string("sleep") { break }
            #expect(h.runtime.store.whiteboard(id)?.attempts == 1)
            await h.finish(grace: .milliseconds(20))
            let board = try #require(h.runtime.store.whiteboard(id))
            #expect(board.status == .queued)
            #expect(board.attempts == 0)
            #expect(board.progress == MissionProgress(phase: "queued", message: "waiting to run again after an interruption"))
        }
        let records = try await MissionStore(path: dir.file("missions.jsonl"), mode: .readOnly).log.entries(after: 0, limit: Int.max)
        let started = try records.filter { try $0.record()["reason"] == .string("execution_started") }.map { try $0.record()["attempt"]?.intValue }
        #expect(started == [1, 1, 1, 1])
    }

    @Test func shutdown_lets_missions_finish_within_grace() async throws {
        let h = try await Harness(tools: [SlowTool()])
        let id = try await h.submit("slow", "0.3").whiteboard.missionID
        for try await entry in h.runtime.store.log.follow(after: 0) where try entry.record()["phase"] == .string("sleep") { break }
        await h.finish(grace: .seconds(10))
        #expect(h.runtime.store.whiteboard(id)?.status == .completed)
    }

    @Test func restart_requeues_queued_missions_and_recovers_active_ones() async throws {
        let dir = TemporaryDirectory()
        // A log left behind by a crash: one queued, one active with attempts left, one out of attempts.
        func created(_ id: String, _ seq: Int, attempts: Int) -> String {
            JSONWriter.string(.object(MissionEvent(seq: seq, timestamp: at(seq), missionID: id, body: .created(MissionCreated(
                objective: Objective(type: "echo", description: "from \(id)"), constraints: Constraints(maxAttempts: attempts),
                source: MissionSource(channel: .api)))).record))
        }
        func status(_ id: String, _ seq: Int, _ status: MissionStatus, _ reason: String, _ attempt: Int) -> String {
            JSONWriter.string(.object(makeStatus(status, reason, seq: seq, attempt: attempt, id: id).record))
        }
        dir.write("missions.jsonl", [
            created("m-q", 1, attempts: 3), status("m-q", 2, .queued, "enqueued", 0),
            created("m-a", 3, attempts: 3), status("m-a", 4, .queued, "enqueued", 0), status("m-a", 5, .active, "execution_started", 1),
            created("m-x", 6, attempts: 1), status("m-x", 7, .active, "execution_started", 1),
        ].joined(separator: "\n") + "\n")
        let h = try await Harness(dir: dir, recover: false)
        let report = try await h.runtime.executor.recover()
        #expect(report == .init(requeued: ["m-q"], recovered: ["m-a"], failed: ["m-x"]))
        let q = try #require(await h.waitForTerminal("m-q"))
        let a = try #require(await h.waitForTerminal("m-a"))
        let x = try #require(h.runtime.store.whiteboard("m-x"))
        await h.finish()
        #expect(q.status == .completed)
        #expect(a.status == .completed)
        #expect(a.attempts == 2)
        #expect(a.timeline.map(\.message).contains("recovered_after_restart"))
        #expect(x.status == .failed)
        #expect(x.timeline.last?.message.hasPrefix("interrupted") == true)
    }

    @Test func unknown_objective_types_are_refused_at_submission() async throws {
        let h = try await Harness()
        await #expect(throws: SubmissionError.self) { try await h.submit("teleport", "x") }
        await #expect(throws: SubmissionError.self) { try await h.submit("echo", "   ") }
        await h.finish()
        #expect(h.runtime.store.log.lastSeq == 0)
    }

    @Test func a_second_process_cannot_open_the_same_data_directory() async throws {
        let h = try await Harness()
        #expect(throws: DataDirectoryError.busy(path: h.dir.path)) {
            try MissionRuntime(MissionRuntime.Options(dataDirectory: DataDirectory(path: h.dir.path)))
        }
        await h.finish()
    }
}
