import MissionModel
import MissionNet
@testable import MissionStore
import MissionTestSupport
import Testing
@testable import MissionService

/// Reading before the horizon (CONTRACT §10) over real sockets: once retention has dropped
/// history, a read that would need it answers 410 `gone` with the first kept seq, a mission
/// that aged out is a 404 that says so, and everything kept reads as before.
@Suite struct HistoryAPITests {
    @Test func reads_before_the_first_kept_seq_are_gone_and_aged_out_missions_say_so() async throws {
        let live = try LiveServer { options in
            options.runtime.segmentBytes = 2048
            options.runtime.retention = RetentionPolicy(missions: 3)
        }
        var ids: [String] = []
        for n in 0..<40 {
            let created = try await live.request("POST", "/api/missions", body: #"{"objective": {"type": "echo", "description": "history \#(n)"}}"#)
            ids.append(try #require(created.json["mission_id"]?.stringValue))
        }
        let store = live.server.runtime.store
        // Every mission ended (retention lets the old ones go meanwhile: none is open).
        #expect(await live.untilCommitted {
            let counts = store.board.countsByStatus()
            return counts[.queued] == nil && counts[.active] == nil && store.whiteboard(ids[39])?.status == .completed
        })
        live.server.runtime.history.passNow()
        let health = try await live.request("GET", "/health").json
        let first = try #require(health["first_seq"]?.intValue)
        #expect(first > 1)
        #expect(health["segments_kept_open"] == .int(0))
        #expect((health["missions_in_memory"]?.intValue ?? 99) < 40)
        // The pass wrote a checkpoint of what is kept: a crash now would not replay the whole log.
        #expect(try Checkpoint.read(live.server.runtime.directory.checkpointPath).trusted.firstSeq == first)
        let newest = ids[39]

        // A mission that aged out: 404, and the message says why.
        let old = try await live.request("GET", "/api/whiteboard/\(ids[0])")
        #expect(old.status == 404)
        #expect(old.json["error"]?.objectValue?["message"]?.stringValue?.contains("aged out") == true)
        // Records after a seq that retention dropped: 410 gone, naming the first kept seq.
        for target in ["/api/missions/\(newest)/events?since=1", "/api/whiteboard/\(newest)?at_seq=1"] {
            let gone = try await live.request("GET", target)
            #expect(gone.status == 410, "\(target)")
            #expect(gone.json["error"]?.objectValue?["code"] == .string("gone"))
            #expect(gone.json["error"]?.objectValue?["first_seq"] == .int(first))
        }
        // What is kept reads as before: from the first kept seq on, or all of it.
        let events = try await live.request("GET", "/api/missions/\(newest)/events?since=\(first - 1)")
        #expect(events.status == 200)
        #expect(events.json["events"]?.arrayValue?.last?.objectValue?["status"] == .string("completed"))
        #expect(try await live.request("GET", "/api/missions/\(newest)/events").status == 200)
        let listed = try await live.request("GET", "/api/missions?limit=100").json
        let listedIDs = listed["missions"]?.arrayValue?.compactMap { $0.objectValue?["mission_id"]?.stringValue } ?? []
        #expect(listedIDs.first == newest)
        #expect(!listedIDs.contains(ids[0]))

        // The live feed: a resume from a dropped seq is told where the log now begins.
        let ws = try await live.webSocket("/ws?room=missions&since=1")
        #expect(try await ws.json()["type"] == .string("hello"))
        let error = try await ws.json()
        #expect(error["type"] == .string("error"))
        #expect(error["code"] == .string("gone"))
        #expect(error["first_seq"] == .int(first))
        // From 0 ("everything there is"), the first event is the first kept record.
        let all = try await live.webSocket("/ws?room=missions&since=0")
        _ = try await all.json()
        #expect(try await all.json()["seq"] == .int(first))
        try await live.stop()
    }
}
