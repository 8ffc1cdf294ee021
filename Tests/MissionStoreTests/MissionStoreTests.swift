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

    @Test func paging_by_before_visits_each_mission_once_newest_first_at_any_depth() async throws {
        let dir = TemporaryDirectory()
        let store = try MissionStore(path: dir.file("missions.jsonl"))
        var generator = SplitMix64(seed: 21)
        var created: [String] = []
        var statuses: [String: MissionStatus] = [:]
        // Records of older missions land between creations, as they do in a live log.
        for i in 0..<3_000 {
            let id = "m-\(i)"
            try await store.append([makeCreated(id, description: "n\(i)")])
            created.append(id)
            statuses[id] = .queued
            if generator.next() % 3 == 0, let older = created.randomElement(using: &generator), statuses[older] == .queued {
                let status: MissionStatus = generator.next() % 2 == 0 ? .cancelled : .active
                try await store.append([makeStatus(status, status == .active ? "execution_started" : "cancelled_by_user", seq: 0, attempt: 1, id: older)])
                statuses[older] = status
            }
        }
        for filter in [nil, MissionStatus.cancelled, .queued] {
            let expected = created.reversed().filter { filter == nil || statuses[$0] == filter }
            var seen: [String] = []
            var before: Int?
            var pages = 0
            repeat {
                let page = store.board.list(status: filter, limit: 97, before: before)
                #expect(page.total == expected.count)
                seen += page.missions.map(\.missionID)
                #expect(page.missions.allSatisfy { before == nil || $0.createdSeq! < before! })
                before = page.nextBefore
                pages += 1
            } while before != nil && pages < 100
            #expect(seen == expected, "status \(String(describing: filter))")
        }
        // A cursor and an offset together: the offset counts within the cursor's missions.
        let cursor = store.board.whiteboard("m-2000")!.createdSeq!
        #expect(store.board.list(limit: 2, offset: 1, before: cursor).missions.map(\.missionID) == ["m-1998", "m-1997"])
        #expect(store.board.list(limit: 5, before: 1).missions.isEmpty)
        #expect(store.board.list(limit: 5, before: 1).nextBefore == nil)
        await store.close()
        // Counts folded at open agree with the ones kept while appending.
        let reopened = try MissionStore(path: dir.file("missions.jsonl"))
        var counts: [MissionStatus: Int] = [:]
        for status in statuses.values { counts[status, default: 0] += 1 }
        #expect(reopened.board.countsByStatus() == counts)
        await reopened.close()
    }
}
