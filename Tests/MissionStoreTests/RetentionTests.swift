import MissionModel
@testable import MissionStore
import Foundation
import MissionTestSupport
import Testing

/// Retention (CONTRACT §10): what ages out, what a pass drops, and that nothing kept changes.
@Suite struct RetentionTests {
    static func limits() -> JSONLLog.Limits {
        var limits = JSONLLog.Limits()
        limits.segmentBytes = 1500
        limits.recentEntries = 1
        return limits
    }

    /// A mission of a generated history, as the test's own model sees it.
    struct Model {
        var firstSeq: Int
        var status: MissionStatus = .queued
        var endedAt: Int?
    }

    @Test(arguments: 1...8)
    func a_pass_drops_only_records_of_missions_that_aged_out_and_every_kept_one_reads_the_same(seed: UInt64) async throws {
        let dir = TemporaryDirectory()
        let store = try MissionStore(path: dir.file("missions.jsonl"), limits: Self.limits())
        var generator = SplitMix64(seed: seed)
        var models: [String: Model] = [:]
        var order: [String] = []
        var second = 0
        var schedules: [(id: String, seq: Int, live: Bool)] = []
        for step in 0..<900 {
            second += Int(generator.next() % 40)
            let open = order.filter { models[$0]!.endedAt == nil }
            if open.isEmpty || generator.next() % 10 < 4 {
                let id = "m-\(step)"
                var created = makeCreated(id, description: "mission \(step)")
                created.timestamp = at(second)
                let seq = try await store.append([created])[0].seq
                models[id] = Model(firstSeq: seq)
                order.append(id)
            } else if generator.next() % 40 == 0 {
                // Now and then a schedule: live ones hold their record's segment.
                let id = "s-\(step)"
                let schedule = Schedule(scheduleID: id, cron: try CronExpression(parsing: "0 * * * *"), name: nil,
                                        mission: ["objective": .object(["type": .string("echo"), "description": .string("x")])], createdAt: at(second))
                try await store.record(schedule.createdRecord)
                schedules.append((id, store.log.lastSeq, true))
            } else if let index = schedules.indices.randomElement(using: &generator), schedules[index].live, generator.next() % 3 == 0 {
                try await store.record(Schedule.deletedRecord(schedules[index].id, at: at(second)))
                schedules[index].live = false
            } else {
                let id = open.randomElement(using: &generator)!
                var next: MissionStatus
                switch models[id]!.status {
                case .queued: next = generator.next() % 4 == 0 ? .cancelled : .active
                default: next = generator.next() % 3 == 0 ? .failed : .completed
                }
                var event = makeStatus(next, next == .active ? "execution_started" : next == .cancelled ? "cancelled_by_user" : "execution_finished",
                                       seq: second, attempt: 1, id: id)
                event.timestamp = at(second)
                _ = try await store.append([event])
                models[id]!.status = next
                if next.isTerminal { models[id]!.endedAt = second }
            }
        }
        let before = try await store.log.entries(after: 0, limit: 100_000)
        let boards = Dictionary(uniqueKeysWithValues: order.map { ($0, store.whiteboard($0)!) })
        let now = at(second + 60)
        let policy = generator.next() % 2 == 0
            ? RetentionPolicy(days: nil, missions: Int(generator.next() % 80))
            : RetentionPolicy(days: 0, missions: nil)
        // Days are whole days: move "now" so that the horizon cuts through the history.
        let cut = Int(generator.next() % UInt64(max(1, second)))
        let clock = policy.days == nil ? now : Timestamp(millisecondsSinceEpoch: at(cut).millisecondsSinceEpoch)

        // What ages out, worked out here without the code under test.
        let ended = order.filter { models[$0]!.endedAt != nil }.sorted { (models[$0]!.endedAt!, models[$0]!.firstSeq) > (models[$1]!.endedAt!, models[$1]!.firstSeq) }
        var aged: Set<String> = []
        for (rank, id) in ended.enumerated() {
            if let keep = policy.missions, rank >= keep { aged.insert(id) }
            if policy.days != nil, at(models[id]!.endedAt!) < clock { aged.insert(id) }
        }
        var keepFrom = store.log.lastSeq + 1
        for id in order where !aged.contains(id) { keepFrom = min(keepFrom, models[id]!.firstSeq) }
        for schedule in schedules where schedule.live { keepFrom = min(keepFrom, schedule.seq) }

        let report = try HistoryCompaction.run(store, signals: nil, policy: policy, archive: nil, now: clock)
        #expect(report.plan.keepFrom == keepFrom)
        #expect(report.plan.agedOut == aged.count)
        // Whole segments, from the oldest, never past the line, never the newest sealed one.
        #expect(report.firstSeq <= keepFrom)
        let sealed = store.file!.sealedSegments
        #expect(sealed.first?.firstSeq == report.firstSeq)
        #expect(sealed.count >= 1)
        // As far as it may: the oldest kept segment holds a record at or past the line (or is
        // the newest sealed one, which always stays).
        if sealed.count > 1 { #expect(sealed[0].endSeq > keepFrom) }
        // Every record before the first kept seq was an aged-out mission's.
        for entry in before where entry.seq < report.firstSeq {
            if let id = entry.missionID { #expect(aged.contains(id), "seq \(entry.seq) of \(id) was dropped") }
        }
        // Every kept mission reads the same, now and after a restart.
        await store.close()
        let reopened = try MissionStore(path: dir.file("missions.jsonl"), limits: Self.limits())
        #expect(reopened.log.firstSeq == report.firstSeq)
        for id in order where !aged.contains(id) {
            #expect(reopened.whiteboard(id) == boards[id], "\(id)")
            let events = try await reopened.events(of: id)?.map(\.line)
            #expect(events == before.filter { $0.missionID == id }.map(\.line))
        }
        #expect(Set(reopened.board.schedules.map(\.scheduleID)) == Set(schedules.filter(\.live).map(\.id)))
        let kept = try await reopened.log.entries(after: 0, limit: 100_000)
        #expect(kept.map(\.seq) == Array(report.firstSeq...before.count))
        #expect(kept.map(\.line) == before.suffix(kept.count).map(\.line))
        await reopened.close()
    }

    @Test func a_mission_an_open_one_comes_after_stays_and_so_do_open_ones() {
        var facts = RetentionPlan.Facts()
        facts.ended = [(1_000, 1, "m-old"), (2_000, 5, "m-needed"), (3_000, 9, "m-new")]
        facts.openFirstSeq = 20
        facts.neededByOpen = ["m-needed"]
        let plan = RetentionPlan.make(facts, policy: RetentionPolicy(missions: 0), lastSeq: 30, now: Timestamp(millisecondsSinceEpoch: 5_000))
        #expect(plan.keepFrom == 5)
        #expect(plan.agedOut == 2)
        #expect(plan.retained == 1)
        #expect(plan.keepFromIfNothingWereOpen == 5)
        facts.neededByOpen = []
        let freer = RetentionPlan.make(facts, policy: RetentionPolicy(missions: 0), lastSeq: 30, now: Timestamp(millisecondsSinceEpoch: 5_000))
        #expect(freer.keepFrom == 20)
        #expect(freer.keepFromIfNothingWereOpen == 31)
        // Off: nothing ages out.
        #expect(RetentionPlan.make(facts, policy: RetentionPolicy(), lastSeq: 30, now: .now()).keepFrom == 1)
    }

    @Test func archive_moves_segments_and_a_checkpoint_taken_after_a_drop_is_used() async throws {
        let dir = TemporaryDirectory()
        let directory = DataDirectory(path: dir.path)
        let store = try MissionStore(path: directory.missionsPath, limits: Self.limits())
        for n in 0..<60 {
            var created = makeCreated("m-\(n)", description: "n\(n)")
            created.timestamp = at(n)
            var ended = makeStatus(.cancelled, "cancelled_by_user", seq: n, id: "m-\(n)")
            ended.timestamp = at(n)
            _ = try await store.append([created, ended])
        }
        let report = try HistoryCompaction.run(store, signals: nil, policy: RetentionPolicy(missions: 5, archive: true),
                                               archive: directory.archivePath, now: at(100))
        #expect(report.droppedSegments > 0)
        let archived = try FileManager.default.contentsOfDirectory(atPath: directory.archivePath).sorted()
        #expect(archived.count == report.droppedSegments)
        #expect(archived.first == "missions-00000000000000000001.jsonl")
        #expect(store.board.whiteboard("m-0") == nil)
        #expect(store.board.whiteboard("m-59") != nil)
        await store.close()
        try #require(try Checkpoint.write(store, to: directory.checkpointPath) != nil)
        let (reopened, note) = try Checkpoint.openStore(directory, limits: Self.limits())
        #expect(note.hasPrefix("checkpoint at seq 120"), "\(note)")
        #expect(reopened.log.firstSeq == report.firstSeq)
        #expect(reopened.board.list(limit: 100).missions.map(\.missionID) == store.board.list(limit: 100).missions.map(\.missionID))
        await reopened.close()
    }
}
