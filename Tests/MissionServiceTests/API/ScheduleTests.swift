import MissionModel
@testable import MissionStore
import Foundation
import MissionTestSupport
import Testing
@testable import MissionService

/// CONTRACT §9 schedules over a live server. A schedule fires at whole minutes, so the live
/// test runs the server on a clock set just before one; catch-up is tested with a schedule
/// record written an hour ago.
@Suite struct ScheduleTests {
    static let tick = #"{"cron": "*/5 * * * *", "name": "tick", "mission": {"objective": {"type": "echo", "description": "tick"}}}"#

    static func scheduled(_ live: LiveServer) -> [Whiteboard] {
        live.server.runtime.store.board.all().filter { $0.scheduleID != nil }
    }

    @Test func a_schedule_makes_its_mission_at_its_time_and_none_once_deleted() async throws {
        // The server's clock is pinned, at its first reading after `pin()` (the schedule's
        // creation), to 5 ms before a whole minute, however long the machine took to get here;
        // at its next reading it has jumped a second on. So the first time has passed when the
        // runner arms the new schedule, which must still make its mission (it arms from the
        // creation, not from when it got to it).
        let clock = PinnedClock()
        let live = try LiveServer { $0.runtime.executor.now = { clock.now() } }
        clock.pin(before: 5, thenJump: 1000)
        let created = try await live.request("POST", "/api/schedules", body: #"{"cron": "* * * * *", "mission": {"objective": {"type": "echo", "description": "each minute"}, "priority": 3}}"#)
        #expect(created.status == 201, "\(created.text)")
        let id = try #require(created.json["schedule_id"]?.stringValue)
        let next = try #require(created.json["next_run_at"]?.stringValue.flatMap(Timestamp.init(parsing:)))
        #expect(next.millisecondsSinceEpoch % 60_000 == 0)
        #expect(created.header("location") == "/api/schedules/\(id)")
        #expect(await live.untilCommitted { Self.scheduled(live).contains { $0.status == .completed } })
        let mission = try #require(Self.scheduled(live).first)
        #expect(mission.scheduleID == id && mission.runAt == next && mission.priority == 3 && mission.source?.channel == "schedule")
        #expect(try await live.request("GET", "/api/whiteboard/\(mission.missionID)").json["schedule_id"] == .string(id))
        let listed = try await live.request("GET", "/api/schedules")
        #expect(listed.json["schedules"]?.arrayValue?.first?.objectValue?["next_run_at"]?.stringValue == Timestamp(millisecondsSinceEpoch: next.millisecondsSinceEpoch + 60_000).formatted)
        #expect(try await live.request("DELETE", "/api/schedules/\(id)").status == 200)
        #expect(try await live.request("GET", "/api/schedules").json["schedules"] == .array([]))
        #expect(try await live.request("DELETE", "/api/schedules/\(id)").status == 404)
        try await live.stop()
        #expect(Self.scheduled(live).count == 1)
    }

    @Test func missed_times_make_one_catch_up_mission_and_a_restart_makes_none_more() async throws {
        let dir = TemporaryDirectory()
        // Yearly, created two years ago: its last missed time cannot change while the test runs
        // (a schedule due every few minutes could pass another time between the two starts).
        let longAgo = Timestamp(millisecondsSinceEpoch: Timestamp.now().millisecondsSinceEpoch - 800 * 86_400_000)
        let record = #"{"seq":1,"timestamp":"\#(longAgo)","event_type":"schedule_created","schedule_id":"sc-old","cron":"0 0 1 1 *","mission":{"objective":{"type":"echo","description":"tick"}}}"#
        try (record + "\n").write(toFile: dir.file("missions.jsonl"), atomically: true, encoding: .utf8)
        for round in 1...2 {
            let live = try LiveServer(dir: dir)
            #expect(await live.untilCommitted { Self.scheduled(live).count == 1 && Self.scheduled(live)[0].status == .completed }, "round \(round)")
            let listed = try await live.request("GET", "/api/schedules")
            #expect(listed.json["schedules"]?.arrayValue?.count == 1)
            try await live.stop()
            // The catch-up is for the last missed time only: this year's first of January.
            let runAt = try #require(Self.scheduled(live).first?.runAt)
            #expect(runAt.formatted.hasSuffix("-01-01T00:00:00.000Z") && runAt > longAgo && runAt <= Timestamp.now())
            #expect(runAt.formatted.prefix(4) == Timestamp.now().formatted.prefix(4))
        }
        let report = try LogVerifier.verify(path: dir.file("missions.jsonl"), kind: .missions)
        #expect(report.problems.isEmpty, "\(report.problems)")
    }

    @Test(arguments: [
        (#"{"cron": "0 0 31 2 *", "mission": {"objective": {"type": "echo", "description": "x"}}}"#, "never fires"),
        (#"{"cron": "61 * * * *", "mission": {"objective": {"type": "echo", "description": "x"}}}"#, "cron field minute"),
        (#"{"cron": "* * *", "mission": {"objective": {"type": "echo", "description": "x"}}}"#, "5 fields"),
        (#"{"mission": {"objective": {"type": "echo", "description": "x"}}}"#, "cron"),
        (#"{"cron": "* * * * *"}"#, "mission"),
        (#"{"cron": "* * * * *", "mission": {"objective": {"type": "nope", "description": "x"}}}"#, "objective.type"),
        (#"{"cron": "* * * * *", "mission": {"objective": {"type": "echo", "description": "x"}, "delay_seconds": 5}}"#, "delay_seconds"),
    ])
    func a_bad_schedule_is_400_saying_why_and_changes_nothing(_ body: String, _ named: String) async throws {
        let live = try LiveServer()
        let before = live.server.runtime.store.log.lastSeq
        let response = try await live.request("POST", "/api/schedules", body: body)
        #expect(response.status == 400)
        #expect(response.json["error"]?.objectValue?["message"]?.stringValue?.contains(named) == true, "\(response.text)")
        #expect(live.server.runtime.store.log.lastSeq == before)
        try await live.stop()
    }

    @Test func deleting_a_schedule_needs_the_write_token_and_get_is_not_delete() async throws {
        let live = try LiveServer { $0.token = BearerToken("writer") }
        let created = try await live.request("POST", "/api/schedules", body: Self.tick, headers: ["Authorization": "Bearer writer"])
        let id = try #require(created.json["schedule_id"]?.stringValue)
        #expect(try await live.request("DELETE", "/api/schedules/\(id)").status == 401)
        #expect(try await live.request("GET", "/api/schedules/\(id)").status == 405)
        #expect(try await live.request("DELETE", "/api/schedules/\(id)", headers: ["Authorization": "Bearer writer"]).status == 200)
        try await live.stop()
    }
}

/// A clock behind the real one by an offset chosen at its first reading after `pin`: then it
/// reads `millisecondsBefore` short of a whole minute; from its next reading on, `jump` later.
final class PinnedClock: Sendable {
    private let state = Locked<(offset: Int64, pinned: (before: Int64, jump: Int64)?, jump: Int64)>((0, nil, 0))

    func pin(before millisecondsBefore: Int64, thenJump jump: Int64 = 0) {
        state.withLock { $0.pinned = (millisecondsBefore, jump) }
    }

    func now() -> Timestamp {
        let real = Timestamp.now().millisecondsSinceEpoch
        let offset = state.withLock { state -> Int64 in
            if let pinned = state.pinned {
                state.offset = (real + pinned.before) % 60_000
                state.pinned = nil
                state.jump = pinned.jump
                return state.offset
            }
            state.offset -= state.jump
            state.jump = 0
            return state.offset
        }
        return Timestamp(millisecondsSinceEpoch: real - offset)
    }
}
