import MissionModel
@testable import MissionStore
import Foundation
import MissionTestSupport
import Testing
@testable import MissionService

@Suite struct CheckpointTests {
    /// Fills a data directory through the real executor: completed, failed-and-retried, cancelled.
    func makeHistory(_ dir: TemporaryDirectory) async throws {
        let h = try await Harness(dir: dir, tools: [FlakyTool(failures: 1)])
        for i in 0..<20 { _ = try await h.submit(i % 3 == 0 ? "flaky" : "echo", "mission \(i)") }
        let queued = try await h.submit("echo", "cancel me", priority: -5)
        _ = try await h.runtime.executor.cancel(queued.whiteboard.missionID)
        for board in h.runtime.store.board.all() { _ = await h.waitForTerminal(board.missionID) }
        await h.finish()
    }

    func fullReplay(_ dir: TemporaryDirectory) throws -> [Whiteboard] {
        try MissionStore(path: dir.file("missions.jsonl"), mode: .readOnly).board.all()
    }

    @Test func a_checkpoint_restores_exactly_what_a_full_replay_folds() async throws {
        let dir = TemporaryDirectory()
        try await makeHistory(dir)
        let (store, note) = try Checkpoint.openStore(DataDirectory(path: dir.path), mode: .readOnly)
        let lastSeq = store.log.lastSeq
        #expect(note == "checkpoint at seq \(lastSeq); replayed 0 records after it")
        #expect(store.board.all() == (try fullReplay(dir)))
        #expect(store.board.all().count == 21)
        #expect(store.board.appliedSeq == lastSeq)
    }

    @Test func records_after_the_checkpoint_are_replayed_on_top_of_it() async throws {
        let dir = TemporaryDirectory()
        try await makeHistory(dir)
        let covered = try Checkpoint.read(dir.file("missions.checkpoint")).trusted.seq
        // More history, written without a checkpoint at the end.
        let h = try await Harness(dir: dir)
        let id = try await h.submit("echo", "after the checkpoint").whiteboard.missionID
        _ = await h.waitForTerminal(id)
        await h.runtime.executor.shutdown(grace: .seconds(1))
        await h.runner.value
        await h.runtime.store.close()
        await h.runtime.signals.log.close()
        let (store, note) = try Checkpoint.openStore(DataDirectory(path: dir.path), mode: .readOnly)
        #expect(note == "checkpoint at seq \(covered); replayed \(store.log.lastSeq - covered) records after it")
        #expect(store.board.all() == (try fullReplay(dir)))
        #expect(store.whiteboard(id)?.status == .completed)
    }

    @Test func boards_sealed_for_a_checkpoint_stay_as_they_were_while_folding_goes_on() throws {
        let board = MissionBoard()
        func fold(_ seq: Int, _ line: String) throws {
            board.apply(seq: seq, record: try #require(try JSONParser.parse(line).objectValue))
        }
        try fold(1, #"{"event_type": "mission_created", "mission_id": "m-1", "timestamp": "2026-02-07T12:00:00.100Z", "objective": {"type": "echo", "description": "hi"}}"#)
        try fold(2, #"{"event_type": "mission_status_update", "mission_id": "m-1", "status": "active", "reason": "execution_started", "timestamp": "2026-02-07T12:00:00.200Z"}"#)
        let sealed = board.sealForCheckpoint()
        let (slots, seq) = (sealed.slots, sealed.seq)
        // Folding goes on while the checkpoint reads its slots, unlocked.
        try fold(3, #"{"event_type": "mission_status_update", "mission_id": "m-1", "status": "completed", "reason": "execution_finished", "timestamp": "2026-02-07T12:00:00.300Z"}"#)
        try fold(4, #"{"event_type": "mission_created", "mission_id": "m-2", "timestamp": "2026-02-07T12:00:00.400Z", "objective": {"type": "echo", "description": "later"}}"#)
        #expect(seq == 2)
        #expect(slots.map(\.board.missionID) == ["m-1"])
        #expect(slots.first?.board.status == .active)
        #expect(slots.first?.board.lastSeq == 2)
        // The live view has moved on, in the same order.
        #expect(board.whiteboard("m-1")?.status == .completed)
        #expect(board.all().map(\.missionID) == ["m-1", "m-2"])
        #expect(board.all().map(\.lastSeq) == [3, 4])
    }

    @Test func a_checkpoint_that_no_longer_matches_the_log_is_ignored() async throws {
        let dir = TemporaryDirectory()
        try await makeHistory(dir)
        // Same number of lines, but the covered prefix is longer: a rewritten log.
        var lines = dir.lines("missions.jsonl")
        lines[0] = lines[0].replacingOccurrences(of: "mission 0", with: "mission zero")
        dir.write("missions.jsonl", lines.joined(separator: "\n") + "\n")
        let (store, note) = try Checkpoint.openStore(DataDirectory(path: dir.path), mode: .readOnly)
        #expect(note == "checkpoint does not match the log; replayed the whole log")
        #expect(store.board.all().first?.objective?.description == "mission zero")
    }

    @Test func a_log_shorter_than_its_checkpoint_is_replayed_in_full() async throws {
        let dir = TemporaryDirectory()
        try await makeHistory(dir)
        let lines = dir.lines("missions.jsonl")
        dir.write("missions.jsonl", lines.dropLast(3).joined(separator: "\n") + "\n")
        let (store, note) = try Checkpoint.openStore(DataDirectory(path: dir.path), mode: .readOnly)
        #expect(note == "checkpoint does not match the log; replayed the whole log")
        #expect(store.log.lastSeq == lines.count - 3)
        #expect(store.board.all() == (try fullReplay(dir)))
    }

    @Test func a_damaged_checkpoint_file_is_ignored() async throws {
        let dir = TemporaryDirectory()
        try await makeHistory(dir)
        var bytes = [UInt8](FileManager.default.contents(atPath: dir.file("missions.checkpoint"))!)
        bytes[bytes.count / 2] ^= 0xFF
        _ = FileManager.default.createFile(atPath: dir.file("missions.checkpoint"), contents: Data(bytes))
        let (store, note) = try Checkpoint.openStore(DataDirectory(path: dir.path), mode: .readOnly)
        #expect(note.hasPrefix("checkpoint unreadable"))
        #expect(store.board.all() == (try fullReplay(dir)))
    }

    /// Creates missions `range` in one batch: `mission_created` each.
    func create(_ store: MissionStore, _ range: Range<Int>) async throws {
        try await store.append(range.map { n in
            MissionEvent(timestamp: .now(), missionID: "m-\(n)",
                         body: .created(MissionCreated(objective: Objective(type: "echo", description: "mission \(n)"), constraints: Constraints(),
                                                       source: MissionSource(channel: .api))))
        })
    }

    func finish(_ store: MissionStore, _ n: Int) async throws {
        let result = ExecutionResult(success: true, finalAnswer: "done \(n)", toolsUsed: ["echo"])
        try await store.append([
            MissionEvent(timestamp: .now(), missionID: "m-\(n)", body: .status(StatusUpdate(status: .active, reason: "execution_started", attempt: 1))),
            MissionEvent(timestamp: .now(), missionID: "m-\(n)",
                         body: .status(StatusUpdate(status: .completed, reason: "execution_finished", attempt: 1, completedAt: .now(), executionResult: result))),
        ])
    }

    @Test func a_later_checkpoint_copies_the_segments_nothing_changed_in() async throws {
        let dir = TemporaryDirectory()
        let path = dir.file("missions.checkpoint")
        let segment = Checkpoint.segmentBoards
        let store = try MissionStore(path: dir.file("missions.jsonl"))
        try await create(store, 0..<(2 * segment + 452))
        #expect(try Checkpoint.write(store, to: path)?.copiedSegments == 0)
        // A change in the first segment, and missions that grow the last one: only the
        // middle one is still as it was.
        try await finish(store, 10)
        try await create(store, (2 * segment + 452)..<(2 * segment + 552))
        let second = try #require(try Checkpoint.write(store, to: path))
        #expect(second == Checkpoint.Written(seq: store.log.lastSeq, segments: 3, copiedSegments: 1))
        await store.close()

        // Reopened from that checkpoint: its layout is known, and a change in the middle
        // segment leaves the other two to be copied.
        let (reopened, note) = try Checkpoint.openStore(DataDirectory(path: dir.path))
        #expect(note == "checkpoint at seq \(second.seq); replayed 0 records after it")
        try await finish(reopened, segment + 5)
        #expect(try Checkpoint.write(reopened, to: path)?.copiedSegments == 2)
        await reopened.close()
        let restored = try Checkpoint.openStore(DataDirectory(path: dir.path), mode: .readOnly).0
        #expect(restored.board.all() == (try fullReplay(dir)))
        #expect(restored.whiteboard("m-10")?.status == .completed)
        #expect(restored.whiteboard("m-\(segment + 5)")?.executionResult?.finalAnswer == "done \(segment + 5)")
    }

    @Test func a_checkpoint_file_replaced_since_is_not_copied_from() async throws {
        let dir = TemporaryDirectory()
        let path = dir.file("missions.checkpoint")
        let store = try MissionStore(path: dir.file("missions.jsonl"))
        try await create(store, 0..<(Checkpoint.segmentBoards + 1))
        try Checkpoint.write(store, to: path)
        // Another file of the same size where the checkpoint was: nothing of it may be copied.
        let size = try #require(FileManager.default.contents(atPath: path)).count
        _ = FileManager.default.createFile(atPath: path, contents: Data(repeating: 0x20, count: size))
        try await finish(store, 1)
        #expect(try Checkpoint.write(store, to: path)?.copiedSegments == 0)
        await store.close()
        #expect(try Checkpoint.openStore(DataDirectory(path: dir.path), mode: .readOnly).0.board.all() == (try fullReplay(dir)))
    }

    @Test func a_checkpoint_of_another_format_is_named_and_the_log_replayed() async throws {
        let dir = TemporaryDirectory()
        try await makeHistory(dir)
        var bytes = [UInt8](FileManager.default.contents(atPath: dir.file("missions.checkpoint"))!)
        bytes.replaceSubrange(0..<8, with: Array("MSCKPT02".utf8))
        _ = FileManager.default.createFile(atPath: dir.file("missions.checkpoint"), contents: Data(bytes))
        let (store, note) = try Checkpoint.openStore(DataDirectory(path: dir.path), mode: .readOnly)
        #expect(note == "checkpoint unreadable (it is of format MSCKPT02, this version reads MSCKPT05); replayed the whole log")
        #expect(store.board.all() == (try fullReplay(dir)))
    }

    @Test func the_background_loop_writes_a_checkpoint_every_interval() async throws {
        let dir = TemporaryDirectory()
        let h = try await Harness(dir: dir)
        let loop = Task { await h.runtime.runCheckpoints(every: 8) }
        // Each echo mission is 5 records; wait for the checkpoint loop to see past seq 8.
        for i in 0..<3 { _ = await h.waitForTerminal(try await h.submit("echo", "m\(i)").whiteboard.missionID) }
        #expect(await h.runtime.store.log.waitForCommit(after: 8))
        await h.runtime.executor.shutdown(grace: .seconds(1))
        await h.runner.value
        await h.runtime.store.close()
        await loop.value
        let covered = try Checkpoint.read(dir.file("missions.checkpoint")).trusted.seq
        #expect(covered >= 8)
        await h.runtime.signals.log.close()
    }

    @Test func wait_for_commit_waits_for_its_own_target_not_any_commit() async throws {
        let dir = TemporaryDirectory()
        let log = try JSONLLog(path: dir.file("a.jsonl"))
        async let reached = log.waitForCommit(after: 5)
        for i in 1...6 { try await log.append(makeRecord(i)) }
        #expect(await reached)
        await log.close()
        #expect(await log.waitForCommit(after: 100) == false)
    }
}
