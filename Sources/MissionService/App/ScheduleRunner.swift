import MissionModel
import MissionStore

/// Creates each schedule's missions at their times (CONTRACT §9). Each due time makes exactly
/// one mission: its `Idempotency-Key` is `schedule:ID:TIME` (in a cluster every node tries, and
/// the store's claim on the key lets one through), and its `run_at` is the due time, so the
/// same objective due at another time is not a duplicate. On start, the last time each schedule
/// was due while nothing ran makes one catch-up mission, not a burst. The times wait on the
/// executor's one deadline watcher: no polling.
struct ScheduleRunner: Sendable {
    let runtime: MissionRuntime
    let report: @Sendable (String) -> Void

    /// What is armed: each schedule's next time.
    private let armed = Locked<[String: Timestamp]>([:])
    /// The executor's clock (injectable in tests, as the executor's is).
    private let now: @Sendable () -> Timestamp

    init(runtime: MissionRuntime, report: @escaping @Sendable (String) -> Void) {
        self.runtime = runtime
        self.report = report
        now = runtime.executor.configuration.now
    }

    func run() async {
        let (due, dueInput) = AsyncStream.makeStream(of: String.self)
        let board = runtime.store.board
        for schedule in board.schedules {
            await catchUp(schedule)
            arm(schedule, after: now(), input: dueInput)
        }
        await withDiscardingTaskGroup { group in
            group.addTask {
                // New schedules are armed from their creation, so that a first time that passed
                // before this task got to them still makes its mission; deleted ones are dropped
                // when their time comes.
                for await _ in board.scheduleChanges {
                    let live = board.schedules
                    armed.withLock { armed in armed = armed.filter { id, _ in live.contains { $0.scheduleID == id } } }
                    for schedule in live where armed.withLock({ $0[schedule.scheduleID] == nil }) {
                        arm(schedule, after: schedule.createdAt, input: dueInput)
                    }
                }
            }
            for await id in due {
                guard let schedule = board.schedule(id), let time = armed.withLock({ $0[id] }) else { continue }
                // A wake-up may come a little early for the wall clock: create only once it is due.
                if time > now() {
                    rearm(schedule, at: time, input: dueInput)
                    continue
                }
                await create(schedule, due: time)
                arm(schedule, after: time, input: dueInput)
            }
        }
    }

    /// The last time `schedule` was due, if it passed with no mission made for it.
    private func catchUp(_ schedule: Schedule) async {
        guard let last = schedule.cron.previous(atOrBefore: now(), notBefore: schedule.createdAt) else { return }
        await create(schedule, due: last)
    }

    private func arm(_ schedule: Schedule, after time: Timestamp, input: AsyncStream<String>.Continuation) {
        guard let next = schedule.cron.next(after: time) else {
            armed.withLock { $0[schedule.scheduleID] = nil }
            return
        }
        rearm(schedule, at: next, input: input)
    }

    private func rearm(_ schedule: Schedule, at time: Timestamp, input: AsyncStream<String>.Continuation) {
        armed.withLock { $0[schedule.scheduleID] = time }
        let id = schedule.scheduleID
        let ahead = max(0, time.milliseconds(since: now()))
        _ = runtime.executor.deadlines.add(.now + .milliseconds(ahead)) { input.yield(id) }
    }

    /// The mission of `schedule` due at `time`, unless it exists already.
    private func create(_ schedule: Schedule, due time: Timestamp) async {
        let key = "schedule:\(schedule.scheduleID):\(time)"
        if runtime.store.board.idempotencyEntry(key) != nil { return }
        do {
            var request = try MissionRequest(body: schedule.mission, now: time, source: MissionSource(channel: .schedule))
            request.runAt = time
            request.scheduleID = schedule.scheduleID
            request.idempotencyKey = key
            let submission = try await runtime.submit(request, now: now())
            report("schedule \(schedule.scheduleID): mission \(submission.whiteboard.missionID) for \(time)")
        } catch is IdempotencyKeyHeld {
            // Another node made it.
        } catch {
            report("schedule \(schedule.scheduleID): no mission for \(time): \(error)")
        }
    }
}
