import MissionModel
/// The materialised view: every mission's whiteboard, kept current as records are committed,
/// so reading one is a dictionary lookup and never touches the file.
public final class MissionBoard: Sendable {
    /// A whiteboard in a box: the dictionary holds a reference, not a ~400-byte value, so it
    /// wastes little on empty slots and never holds two copies of every board while it grows.
    /// Changed only under `state`'s lock, and only in the epoch it was made in: once a
    /// checkpoint has taken the slots (`sealForCheckpoint`), a slot of an older epoch is
    /// replaced by a copy before a change, so the checkpoint reads its boards unlocked.
    final class Slot {
        var board: Whiteboard
        /// Where it stands in `order` (changed under the lock when retention compacts `order`;
        /// a checkpoint reads only `board`).
        var position: Int
        let epoch: Int
        /// Retention let it go; it leaves `order` at the end of that pass.
        var forgotten = false

        init(_ board: Whiteboard, position: Int, epoch: Int) {
            self.board = board
            self.position = position
            self.epoch = epoch
        }
    }

    /// What a mission created under an `Idempotency-Key` needs to answer a repeat of it.
    public struct IdempotencyEntry: Sendable, Hashable {
        public var missionID: String
        public var requestFingerprint: String?
        public var intent: IntentSummary?
    }

    struct State {
        var boards: [String: Slot] = [:]
        /// Every mission in the order first seen (creation order).
        var order: [Slot] = []
        var idempotency: [String: IdempotencyEntry] = [:]
        /// Each chat session's missions, in creation order.
        var sessions: [String: [String]] = [:]
        var appliedSeq = 0
        /// The seq of the `queue_paused` record in force, nil while the queue runs (`queue_paused` /
        /// `queue_resumed` records, CONTRACT §9); retention keeps the segment that holds it.
        var queuePausedSeq: Int?
        var queuePaused: Bool { queuePausedSeq != nil }
        /// Created missions by status, kept in step with each fold (listing totals, `/metrics`).
        var counts: [MissionStatus: Int] = [:]
        /// Missions active now, per `concurrency_key` (CONTRACT §9, `waiting_for` `concurrency`).
        var activeByKey: [String: Int] = [:]
        /// The live schedules, by id (CONTRACT §9).
        var schedules: [String: Schedule] = [:]
        /// Missions waiting for each mission (`after`, CONTRACT §9).
        var dependents: [String: [String]] = [:]
        /// Missions with dependents that ended in the batch being folded, for `endings`.
        var ended: [Ending] = []
        /// A schedule record was folded since `scheduleChanges` was last told.
        var schedulesChanged = false
        var undecodable: [(seq: Int, reason: String)] = []
        /// Raised by each checkpoint: slots of older epochs are its, and no longer changed.
        var epoch = 0
        /// The last checkpoint's file, for the next one to copy unchanged segments from.
        var checkpointLayout: CheckpointLayout?
    }

    let state = Locked(State())

    /// A mission that others come `after`, or that has a `callback_url`, ended (CONTRACT §9);
    /// `local`: by a record appended in this process (a cluster's other nodes leave what
    /// follows from it to this one).
    public struct Ending: Sendable {
        public var missionID: String
        public var local: Bool
    }

    /// Every ending of a mission with dependents, as it is folded, for whoever settles them.
    public let endings: AsyncStream<Ending>
    private let endingsInput: AsyncStream<Ending>.Continuation

    /// Rings when a schedule is created or deleted (rings that come while nobody listens
    /// make one, not one each).
    public let scheduleChanges: AsyncStream<Void>
    private let scheduleChangesInput: AsyncStream<Void>.Continuation

    public init() {
        (endings, endingsInput) = AsyncStream.makeStream(of: Ending.self)
        (scheduleChanges, scheduleChangesInput) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// How many missions of `concurrency_key` `key` are active now.
    public func activeCount(_ key: String) -> Int {
        state.withLock { $0.activeByKey[key] ?? 0 }
    }

    /// The live schedules, oldest first.
    public var schedules: [Schedule] {
        state.withLock { $0.schedules.values.sorted { ($0.createdAt, $0.scheduleID) < ($1.createdAt, $1.scheduleID) } }
    }

    public func schedule(_ scheduleID: String) -> Schedule? {
        state.withLock { $0.schedules[scheduleID] }
    }

    private func ringIfSchedulesChanged(_ state: inout State) {
        guard state.schedulesChanged else { return }
        state.schedulesChanged = false
        scheduleChangesInput.yield()
    }

    /// The missions waiting for `missionID` to complete.
    public func dependents(of missionID: String) -> [String] {
        state.withLock { $0.dependents[missionID] ?? [] }
    }

    /// The status of each mission in `ids` that exists.
    public func statuses(of ids: [String]) -> [String: MissionStatus] {
        state.withLock { state in
            var found: [String: MissionStatus] = [:]
            for id in ids { if let board = state.boards[id]?.board, board.isCreated { found[id] = board.status } }
            return found
        }
    }

    /// Folds one stored record into the view. Records that are valid JSON but not a valid
    /// mission event are counted (and reported by `mission verify`), not fatal.
    /// (Replay at start: endings are not announced; the executor's recovery looks at every
    /// open mission anyway.)
    public func apply(seq: Int, record: JSONObject) {
        state.withLock { state in
            Self.apply(seq: seq, record: record, to: &state)
            if !state.ended.isEmpty { state.ended = [] }
            ringIfSchedulesChanged(&state)
        }
    }

    private static func takeEnded(_ state: inout State, local: Bool) -> [Ending] {
        guard !state.ended.isEmpty else { return [] }
        defer { state.ended = [] }
        return state.ended.map { Ending(missionID: $0.missionID, local: local) }
    }

    private func announce(_ ended: [Ending]) {
        for ending in ended { endingsInput.yield(ending) }
    }

    /// A batch just committed, under one lock. Events appended here come typed: only records
    /// appended as JSON are decoded.
    public func apply(_ entries: [LogEntry]) {
        announce(state.withLock { state in
            var ended: [Ending] = []
            for entry in entries {
                if let event = entry.event {
                    Self.apply(event, to: &state)
                } else {
                    do {
                        Self.apply(seq: entry.seq, record: try entry.record(), to: &state)
                    } catch {
                        state.appliedSeq = max(state.appliedSeq, entry.seq)
                        state.undecodable.append((entry.seq, "\(error)"))
                    }
                }
                // Appended here as typed events; read back (another node's) as JSON.
                if !state.ended.isEmpty { ended += Self.takeEnded(&state, local: entry.event != nil) }
            }
            ringIfSchedulesChanged(&state)
            return ended
        })
    }

    private static func apply(seq: Int, record: JSONObject, to state: inout State) {
        // A placeholder for a damaged record (`mission repair`): it holds a seq, nothing else.
        if record["event_type"] == .string(LogRepair.lostType) {
            state.appliedSeq = max(state.appliedSeq, seq)
            return
        }
        // The queue's and the schedules' records (CONTRACT §9): no `mission_id`, no whiteboard.
        if record["mission_id"] == nil, let type = record["event_type"]?.stringValue {
            if let paused = QueueRecord.paused(type) {
                state.appliedSeq = max(state.appliedSeq, seq)
                state.queuePausedSeq = paused ? seq : nil
                return
            }
            do {
                if let change = try Schedule.change(type, record) {
                    state.appliedSeq = max(state.appliedSeq, seq)
                    switch change {
                    case .created(var schedule):
                        schedule.seq = seq
                        state.schedules[schedule.scheduleID] = schedule
                    case .deleted(let id): state.schedules[id] = nil
                    }
                    state.schedulesChanged = true
                    return
                }
            } catch {
                state.appliedSeq = max(state.appliedSeq, seq)
                state.undecodable.append((seq, error.description))
                return
            }
        }
        do {
            apply(try MissionEvent(record: record, seq: seq), to: &state)
        } catch {
            state.appliedSeq = max(state.appliedSeq, seq)
            state.undecodable.append((seq, error.description))
        }
    }

    static func apply(_ event: MissionEvent, to state: inout State) {
        state.appliedSeq = max(state.appliedSeq, event.seq)
        var slot: Slot
        if let existing = state.boards[event.missionID] {
            slot = existing
            if existing.epoch != state.epoch {
                slot = Slot(existing.board, position: existing.position, epoch: state.epoch)
                state.boards[event.missionID] = slot
                state.order[existing.position] = slot
            }
        } else {
            slot = Slot(Whiteboard(missionID: event.missionID), position: state.order.count, epoch: state.epoch)
            state.order.append(slot)
            state.boards[event.missionID] = slot
        }
        let wasTerminal = slot.board.status.isTerminal
        let wasActive = slot.board.status == .active
        let before = slot.board.isCreated ? slot.board.status : nil
        WhiteboardReducer.reduce(into: &slot.board, event)
        if slot.board.isCreated, before != slot.board.status {
            if let before { state.counts[before, default: 0] -= 1 }
            state.counts[slot.board.status, default: 0] += 1
        }
        if let key = slot.board.concurrencyKey, wasActive != (slot.board.status == .active) {
            state.activeByKey[key, default: 0] += wasActive ? -1 : 1
            if state.activeByKey[key] == 0 { state.activeByKey[key] = nil }
        }
        if !wasTerminal, slot.board.status.isTerminal,
           slot.board.callbackURL != nil || !state.dependents.isEmpty && state.dependents[event.missionID] != nil {
            state.ended.append(Ending(missionID: event.missionID, local: false))
        }
        if case .created(let created) = event.body {
            state.index(created, missionID: event.missionID)
        }
    }

    /// Whether the log last said the whole queue is paused.
    public var queuePaused: Bool { state.withLock { $0.queuePaused } }

    public func whiteboard(_ missionID: String) -> Whiteboard? {
        state.withLock { $0.boards[missionID]?.board }
    }

    /// What a worker needs to run a mission's next attempt, without copying its whiteboard:
    /// nil if the mission is unknown, has no objective yet, or has ended.
    /// What the next attempt of an open mission would run, or that it must wait (CONTRACT §9:
    /// the whole queue is paused, or the mission's own records hold it at `now`); nil when it
    /// ended or does not exist. One read under the lock the writer folds under, per attempt.
    public func nextAttempt(of missionID: String, now: Timestamp) -> NextAttempt? {
        state.withLock { state in
            guard let board = state.boards[missionID]?.board, let objective = board.objective,
                  let constraints = board.constraints, !board.status.isTerminal else { return nil }
            if state.queuePaused { return .waits(queuePaused: true) }
            if board.waitingFor(now: now, status: { state.boards[$0]?.board.status }) != nil { return .waits(queuePaused: false) }
            return .run(objective: objective, constraints: constraints, attempt: board.attempts + 1)
        }
    }

    public enum NextAttempt: Sendable {
        case run(objective: Objective, constraints: Constraints, attempt: Int)
        case waits(queuePaused: Bool)
    }

    /// The `lastSeq` of a created mission's whiteboard (nil if there is none), without copying it.
    public func lastSeq(ofCreated missionID: String) -> Int? {
        state.withLock { state in state.boards[missionID].flatMap { $0.board.isCreated ? $0.board.lastSeq : nil } }
    }

    /// The `lastSeq` of a mission's records, created or not (nil if none is folded).
    public func lastSeq(ofAny missionID: String) -> Int? {
        state.withLock { $0.boards[missionID]?.board.lastSeq }
    }

    /// The seq of the last record folded in.
    public var appliedSeq: Int { state.withLock { $0.appliedSeq } }

    public var count: Int { state.withLock { $0.order.count } }

    public func idempotencyEntry(_ key: String) -> IdempotencyEntry? {
        state.withLock { $0.idempotency[key] }
    }

    /// A session's missions, oldest first.
    public func missions(inSession sessionID: String) -> [Whiteboard] {
        state.withLock { state in (state.sessions[sessionID] ?? []).compactMap { state.boards[$0]?.board } }
    }

    /// Records that could not be read as mission events: (seq, why).
    public var undecodable: [(seq: Int, reason: String)] { state.withLock { $0.undecodable } }

    /// Newest first, optionally of one status, optionally only those created before seq
    /// `before` (a cursor, CONTRACT §10): one page, the total of that status, and the cursor
    /// of the next page.
    public func list(status: MissionStatus? = nil, limit: Int = 50, offset: Int = 0, before: Int? = nil) -> MissionPage {
        state.withLock { $0.list(status: status, limit: limit, offset: offset, before: before) }
    }

    /// The newest missions with the seq of the last record folded in, taken together: a
    /// follower that starts after that seq sees every later change, none twice.
    public func listWithSeq(limit: Int) -> (seq: Int, missions: [Whiteboard], total: Int) {
        state.withLock { state in
            let page = state.list(status: nil, limit: limit, offset: 0, before: nil)
            return (state.appliedSeq, page.missions, page.total)
        }
    }

    /// A whiteboard (nil if unknown) with the seq of the last record folded in, taken together.
    public func whiteboardWithSeq(_ missionID: String) -> (seq: Int, board: Whiteboard?) {
        state.withLock { ($0.appliedSeq, $0.boards[missionID]?.board) }
    }

    /// Every mission in creation order (recovery, checkpoints).
    public func all() -> [Whiteboard] {
        state.withLock { state in state.order.map(\.board) }
    }

    public func countsByStatus() -> [MissionStatus: Int] {
        state.withLock { $0.counts.filter { $0.value != 0 } }
    }
}

extension MissionBoard.State {
    func list(status: MissionStatus?, limit: Int, offset: Int, before: Int?) -> MissionPage {
        let total = status.map { counts[$0] ?? 0 } ?? counts.values.reduce(0, +)
        // Slots are in the order their first record came, so a cursor is a binary search
        // away; a mission's `mission_created` is its first record or comes soon after it.
        var end = order.count
        if let before {
            var low = 0, high = order.count
            while low < high {
                let middle = (low + high) / 2
                if (order[middle].board.timeline.first?.seq ?? 0) < before { low = middle + 1 } else { high = middle }
            }
            end = low
        }
        var page: [Whiteboard] = []
        var skipped = 0
        var more = false
        var index = end
        while index > 0 {
            index -= 1
            let board = order[index].board
            guard board.isCreated, let created = board.createdSeq else { continue }
            if let before, created >= before { continue }
            if let status, board.status != status { continue }
            if skipped < offset {
                skipped += 1
                continue
            }
            if page.count == limit {
                more = true
                break
            }
            page.append(board)
        }
        return MissionPage(missions: page, total: total, nextBefore: more ? page.last?.createdSeq : nil)
    }

    mutating func index(_ created: MissionCreated, missionID: String) {
        if let key = created.idempotencyKey, idempotency[key] == nil {
            idempotency[key] = MissionBoard.IdempotencyEntry(missionID: missionID, requestFingerprint: created.requestFingerprint,
                                                             intent: created.intent)
        }
        if let session = created.source.sessionID { sessions[session, default: []].append(missionID) }
        for dependency in created.after { dependents[dependency, default: []].append(missionID) }
    }
}

/// One page of `GET /api/missions`: newest first.
public struct MissionPage: Sendable {
    public var missions: [Whiteboard]
    /// Every mission of the status asked for (or all), wherever the page is.
    public var total: Int
    /// The `before` of the next page: the `created_seq` of this page's oldest mission; nil
    /// when no older mission matches.
    public var nextBefore: Int?
}
