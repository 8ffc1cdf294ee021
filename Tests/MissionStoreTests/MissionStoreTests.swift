import MissionModel
@testable import MissionStore
import MissionTestSupport
import Testing

@Suite struct MissionStoreTests {
    @Test func at_seq_equals_the_fold_of_the_log_prefix_for_every_seq() async throws {
        let dir = TemporaryDirectory()
        let store = try MissionStore(path: dir.file("missions.jsonl"))
        // Three missions whose records interleave.
        var events: [MissionEvent] = []
        for id in ["m-a", "m-b", "m-c"] { events.append(makeCreated(id, description: "do \(id)")) }
        for id in ["m-a", "m-b", "m-c"] { events.append(makeStatus(.queued, "enqueued", seq: 0, attempt: 0, id: id)) }
        events.append(makeStatus(.active, "execution_started", seq: 0, attempt: 1, id: "m-b"))
        events.append(makeStatus(.cancelled, "cancelled_by_user", seq: 0, id: "m-c"))
        events.append(makeStatus(.active, "execution_started", seq: 0, attempt: 1, id: "m-a"))
        events.append(makeStatus(.completed, "execution_finished", seq: 0, attempt: 1, id: "m-b",
                                 result: ExecutionResult(success: true, finalAnswer: "b", toolsUsed: ["echo"])))
        events.append(makeStatus(.queued, "retry_scheduled", seq: 0, attempt: 1, id: "m-a"))
        var stored: [MissionEvent] = []
        for event in events { stored += try await store.append([event]) }
        #expect(stored.map(\.seq) == Array(1...events.count))
        for id in ["m-a", "m-b", "m-c"] {
            let createdAt = stored.first { $0.missionID == id }!.seq
            for seq in 0...stored.count {
                let expected = WhiteboardReducer.fold(stored.prefix(seq), missionID: id)
                let actual = try await store.whiteboard(id, atSeq: seq)
                #expect(actual == (seq < createdAt ? nil : expected), "\(id) at \(seq)")
            }
        }
        #expect(try await store.events(of: "m-a", since: 4)?.map(\.seq) == [9, 11])
        #expect(try await store.events(of: "m-none") == nil)
        await store.close()
    }

    @Test func list_filters_by_status_and_pages_newest_first() async throws {
        let dir = TemporaryDirectory()
        let store = try MissionStore(path: dir.file("missions.jsonl"))
        for i in 0..<7 {
            let id = "m-\(i)"
            try await store.append([makeCreated(id, description: "n\(i)")])
            if i % 2 == 0 { try await store.append([makeStatus(.cancelled, "cancelled_by_user", seq: 0, id: id)]) }
        }
        let page = store.board.list(limit: 3, offset: 1)
        #expect(page.total == 7)
        #expect(page.missions.map(\.missionID) == ["m-5", "m-4", "m-3"])
        let cancelled = store.board.list(status: .cancelled, limit: 10)
        #expect(cancelled.total == 4)
        #expect(cancelled.missions.map(\.missionID) == ["m-6", "m-4", "m-2", "m-0"])
        #expect(store.board.countsByStatus() == [.queued: 3, .cancelled: 4])
        await store.close()
    }
}
