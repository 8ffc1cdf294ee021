import MissionModel
import MissionStore

/// Schedules (CONTRACT §9): create, list, delete. The missions come from `ScheduleRunner`.
extension MissionAPI {
    /// The most schedules a server keeps at once.
    static let maxSchedules = 1000
    static let maxScheduleNameBytes = 200

    func createSchedule(_ request: HTTPRequest) async throws -> HTTPResponse {
        let body = try Self.jsonObject(request)
        let text = try body.requiredString("cron")
        let cron: CronExpression
        do { cron = try CronExpression(parsing: text) } catch { throw APIError.invalid("cron: \(error.description)") }
        guard let mission = try body.optionalObject("mission") else {
            throw APIError.invalid("missing field 'mission': the POST /api/missions body of the mission to create at each time")
        }
        for field in ["run_at", "delay_seconds", "after"] where mission[field] != nil {
            throw APIError.invalid("mission.\(field): a schedule's mission is due at the schedule's times, not after \(field)")
        }
        // The mission as it will be created: refused now, not at each of its times.
        let sample = try MissionRequest(body: mission, now: .now(), source: MissionSource(channel: .schedule))
        try sample.validate(tools: runtime.tools)
        let name = try body.optionalString("name")
        if let name, name.utf8.count > Self.maxScheduleNameBytes { throw APIError.invalid("name is over \(Self.maxScheduleNameBytes) bytes") }
        guard runtime.store.board.schedules.count < Self.maxSchedules else {
            throw APIError.conflict("this server already keeps \(Self.maxSchedules) schedules, the most it does; delete one first")
        }
        let now = runtime.executor.configuration.now()
        let schedule = Schedule(scheduleID: MissionID.random(prefix: "sc-"), cron: cron, name: name, mission: mission, createdAt: now)
        try await runtime.store.record(schedule.createdRecord)
        var answer = schedule.json(now: now)
        answer["mission"] = nil
        return .json(201, answer, headers: [("Location", "/api/schedules/\(schedule.scheduleID)")])
    }

    func listSchedules() -> HTTPResponse {
        let now = runtime.executor.configuration.now()
        return .json(200, ["schedules": .array(runtime.store.board.schedules.map { .object($0.json(now: now)) })])
    }

    func deleteSchedule(_ id: String) async throws -> HTTPResponse {
        guard runtime.store.board.schedule(id) != nil else { throw APIError.notFound("there is no schedule \(id.prefix(100))") }
        try await runtime.store.record(Schedule.deletedRecord(id, at: runtime.executor.configuration.now()))
        return .json(200, ["schedule_id": .string(id), "deleted": .bool(true)])
    }
}
