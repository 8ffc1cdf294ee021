import MissionModel
import MissionStore
/// The queue of missions waiting to run: highest priority first, then first come first served.
///
/// A mission id is present at most once while it is queued, waiting for a retry, or running;
/// a second enqueue changes nothing. Content duplicates (same `dedup_key`) are reported to the
/// caller with the mission already present. `next()` suspends until work arrives.
///
/// At most `capacity` missions wait (queued, reserved or waiting for a retry); a new mission
/// past that is refused (`.full`), so that a producer faster than the workers gets pushed back
/// instead of a backlog that grows without bound. Missions recovered from the log at start
/// are never refused: they are already acknowledged.
///
/// A mission may be present but *waiting* (CONTRACT §9: its `run_at` is ahead, it awaits
/// approval, an operator paused it): it counts for duplicates and for `capacity`, but is not
/// handed out until `release`. While the whole queue is paused (`pauseAll`), nothing is.
public actor ExecutionQueue {
    /// Missions that may wait at once by default (`serve --max-queued`).
    public static let defaultCapacity = 100_000
    public struct Item: Sendable, Hashable {
        public var missionID: String
        public var priority: Int
        public var dedupKey: String
        /// Missions with one key run at most `maxPerKey` at once and take turns with other keys.
        public var concurrencyKey: String?

        public init(missionID: String, priority: Int = 0, dedupKey: String, concurrencyKey: String? = nil) {
            self.missionID = missionID
            self.priority = priority
            self.dedupKey = dedupKey
            self.concurrencyKey = concurrencyKey
        }

        /// The queue's item for the mission `board` shows.
        public init(_ board: Whiteboard) {
            self.init(missionID: board.missionID, priority: board.priority, dedupKey: board.dedupKey ?? board.missionID,
                      concurrencyKey: board.concurrencyKey)
        }

        /// The group it takes turns in (`FairShare`).
        var group: String { concurrencyKey ?? FairShare.unkeyed }
    }

    public enum EnqueueResult: Sendable, Equatable {
        case enqueued
        /// This mission id is already queued, waiting or running.
        case alreadyPresent
        /// Another mission with the same dedup key is queued, waiting or running.
        case duplicate(of: String)
        /// `capacity` missions already wait: a new one is refused.
        case full(capacity: Int)
    }

    /// The answer to a new mission when the queue is full: retry once workers have caught up.
    public struct Full: Error, Sendable, Equatable, CustomStringConvertible {
        public var capacity: Int
        /// What a client is told to wait before retrying (`Retry-After`).
        public static let retryAfterSeconds = 1

        public var description: String {
            "the queue is full: \(capacity) missions are waiting to run, the most this server holds (--max-queued); retry in a moment"
        }
    }

    public enum CancelResult: Sendable, Equatable {
        case removedFromQueue
        case signalledRunning
        case notPresent
    }

    /// A running mission handed to a worker.
    public struct Lease: Sendable {
        public let item: Item
        public let signal: CancellationSignal
    }

    public struct Snapshot: Sendable, Equatable {
        public var queued: Int
        public var waitingForRetry: Int
        public var running: Int
        public var runningIDs: [String]
        /// Queued missions that may not start yet (CONTRACT §9); also counted in `queued`.
        public var waiting = 0
    }

    /// `held`: live in the log but not for this process to run (`mission chat`, `mission run`):
    /// it still counts for duplicates.
    private enum Presence { case reserved, held, queued, waiting, waitingForRetry, running(CancellationSignal) }

    private var fair: FairShare
    /// A present mission: its item, where it stands, and its place in arrival order.
    private typealias Present = (item: Item, state: Presence, order: UInt64)
    private var presence: [String: Present] = [:]
    private var byDedupKey: [String: String] = [:]
    private var nextOrder: UInt64 = 0
    private var consumers: [CheckedContinuation<Lease?, Never>] = []
    private var idleWaiters: [CheckedContinuation<Void, Never>] = []
    private var settleWaiters: [String: [CheckedContinuation<Bool, Never>]] = [:]
    private var closed = false
    /// The whole queue is paused: nothing is handed out (CONTRACT §9, `POST /api/queue/pause`).
    public private(set) var isPaused = false
    private var runningCount = 0
    public let capacity: Int

    /// Missions of one `concurrency_key` that may run at once by default (`serve --max-per-key`).
    public static let defaultMaxPerKey = 1

    /// Missions of one `concurrency_key` that may run at once.
    public nonisolated let maxPerKey: Int

    public init(capacity: Int = ExecutionQueue.defaultCapacity, paused: Bool = false, maxPerKey: Int = ExecutionQueue.defaultMaxPerKey) {
        self.capacity = max(capacity, 1)
        self.maxPerKey = max(maxPerKey, 1)
        isPaused = paused
        fair = FairShare(maxPerKey: maxPerKey)
    }

    // MARK: Adding

    /// Adds `item` to the queue unless its id or its content is already present; `waiting`:
    /// it may not start until `release`.
    @discardableResult
    public func enqueue(_ item: Item, waiting: Bool = false) -> EnqueueResult {
        if let conflict = check(item) { return conflict }
        track(item, as: waiting ? .waiting : .queued)
        if !waiting { push(item, order: nextOrder) }
        return .enqueued
    }

    /// Holds back a queued mission (or one waiting for a retry) until `release`. False when it
    /// is not waiting here: running already, reserved, held, or not present.
    @discardableResult
    public func gate(_ missionID: String) -> Bool {
        guard let entry = presence[missionID] else { return false }
        switch entry.state {
        case .queued, .waitingForRetry, .waiting:
            // A heap entry of a gated mission is skipped when met (its state is not `queued`).
            presence[missionID]!.state = .waiting
            return true
        case .reserved, .held, .running:
            return false
        }
    }

    /// A mission handed to a worker may not start after all: waiting again until `release`,
    /// or (`waiting` false: the whole queue was paused) queued again in its place.
    public func putBack(_ missionID: String, waiting: Bool = true) {
        guard let entry = presence[missionID], case .running = entry.state else { return }
        presence[missionID]!.state = waiting ? .waiting : .queued
        stoppedRunning(entry.item)
        if !waiting { push(entry.item, order: entry.order) }
    }

    /// A waiting mission may start: runnable again, in its place by arrival.
    public func release(_ missionID: String) {
        guard let entry = presence[missionID], case .waiting = entry.state else { return }
        presence[missionID]!.state = .queued
        push(entry.item, order: entry.order)
    }

    /// Stops handing out missions until `resumeAll`; running ones go on.
    public func pauseAll() {
        isPaused = true
    }

    /// Hands out missions again after `pauseAll`.
    public func resumeAll() {
        guard isPaused else { return }
        isPaused = false
        while !consumers.isEmpty, let lease = popRunnable() {
            consumers.removeFirst().resume(returning: lease)
        }
    }

    /// Makes a mission known for duplicate suppression without ever running it here.
    public func hold(_ item: Item) {
        guard check(item) == nil else { return }
        track(item, as: .held)
    }

    /// Makes a held mission runnable here after all (`mission run` of its twin).
    public func promote(_ missionID: String) {
        guard let entry = presence[missionID], case .held = entry.state else { return }
        presence[missionID]!.state = .queued
        push(entry.item, order: entry.order)
    }

    /// First step of creating a mission: claims its id and dedup key before its records are
    /// written, so that a racing identical request sees it. Then `confirm` or `abandon`.
    public func reserve(_ item: Item) -> EnqueueResult {
        if let conflict = check(item) { return conflict }
        // Running missions are present too, but they are not waiting.
        if presence.count - runningCount >= capacity { return .full(capacity: capacity) }
        track(item, as: .reserved)
        return .enqueued
    }

    /// The reserved mission's records are durable: make it runnable (or `waiting`).
    public func confirm(_ missionID: String, waiting: Bool = false) {
        guard let index = presence.index(forKey: missionID), case .reserved = presence.values[index].state else { return }
        presence.values[index].state = waiting ? .waiting : .queued
        let entry = presence.values[index]
        if !waiting { push(entry.item, order: entry.order) }
        if !settleWaiters.isEmpty { settleWaiters.removeValue(forKey: missionID)?.forEach { $0.resume(returning: true) } }
    }

    /// The reserved mission was never created: forget it.
    public func abandon(_ missionID: String) {
        guard let entry = presence[missionID], case .reserved = entry.state else { return }
        forget(missionID)
        if !settleWaiters.isEmpty { settleWaiters.removeValue(forKey: missionID)?.forEach { $0.resume(returning: false) } }
    }

    /// Waits out a reservation: true once the mission is confirmed (durable), false if it was
    /// abandoned or is unknown. A duplicate request uses this before answering with it.
    public func settled(_ missionID: String) async -> Bool {
        guard let entry = presence[missionID] else { return false }
        guard case .reserved = entry.state else { return true }
        return await withCheckedContinuation { settleWaiters[missionID, default: []].append($0) }
    }

    private func check(_ item: Item) -> EnqueueResult? {
        if presence[item.missionID] != nil { return .alreadyPresent }
        if let existing = byDedupKey[item.dedupKey] { return .duplicate(of: existing) }
        return nil
    }

    private func track(_ item: Item, as state: Presence) {
        nextOrder += 1
        presence[item.missionID] = (item, state, nextOrder)
        byDedupKey[item.dedupKey] = item.missionID
    }

    /// Makes a queued mission runnable: straight to a waiting worker, else into the heap at
    /// `order`, its place in arrival order (as recorded in `presence`).
    private func push(_ item: Item, order: UInt64) {
        // A worker waits only when nothing could start: this one goes straight to it, if its
        // group has room.
        if !consumers.isEmpty, !isPaused, fair.hasRoom(item.group), let lease = lease(item) {
            fair.started(item.group)
            consumers.removeFirst().resume(returning: lease)
            return
        }
        fair.insert(item.missionID, priority: item.priority, order: order, key: item.group)
    }

    private func forget(_ missionID: String) {
        guard let entry = presence.removeValue(forKey: missionID) else { return }
        if byDedupKey[entry.item.dedupKey] == missionID { byDedupKey[entry.item.dedupKey] = nil }
        if case .running = entry.state { stoppedRunning(entry.item) }
    }

    private func stoppedRunning(_ item: Item) {
        runningCount -= 1
        let hadRoom = fair.hasRoom(item.group)
        fair.stopped(item.group)
        // Its group may take a turn again: a worker waiting may start one of it now.
        if !hadRoom, !consumers.isEmpty, !isPaused, let lease = popRunnable() { consumers.removeFirst().resume(returning: lease) }
        if runningCount == 0, !idleWaiters.isEmpty {
            idleWaiters.forEach { $0.resume() }
            idleWaiters = []
        }
    }

    // MARK: Taking

    /// The next mission to run, marked running; suspends while the queue is empty. Nil once
    /// the queue is closed: workers end through `close()`, which resumes every waiter.
    public func next() async -> Lease? {
        if !isPaused, let lease = popRunnable() { return lease }
        if closed { return nil }
        return await withCheckedContinuation { consumers.append($0) }
    }

    /// The first runnable mission of the heap, marked running.
    private func popRunnable() -> Lease? {
        guard !closed else { return nil }
        // Entries whose mission was cancelled, gated or re-queued since they were pushed are dropped.
        let picked = fair.next { entry in
            guard let index = presence.index(forKey: entry.missionID), presence.values[index].order == entry.order,
                  case .queued = presence.values[index].state else { return false }
            return true
        }
        return picked.flatMap { presence.index(forKey: $0.missionID) }.flatMap(lease(at:))
    }

    private func lease(_ item: Item) -> Lease? {
        presence.index(forKey: item.missionID).flatMap(lease(at:))
    }

    private func lease(at index: [String: Present].Index) -> Lease? {
        guard !closed else { return nil }
        let signal = CancellationSignal()
        presence.values[index].state = .running(signal)
        runningCount += 1
        return Lease(item: presence.values[index].item, signal: signal)
    }

    /// The running (or waiting) mission is done with the queue: finished, failed or cancelled.
    public func finish(_ missionID: String) {
        forget(missionID)
    }

    /// `finish` for several missions in one call.
    public func finish(_ missionIDs: [String]) {
        missionIDs.forEach(forget)
    }

    /// A running mission failed and will retry: it stays present (for dedup) but not runnable
    /// until `resume` after its backoff.
    public func parkForRetry(_ missionID: String) {
        guard let entry = presence[missionID], case .running = entry.state else { return }
        presence[missionID]!.state = .waitingForRetry
        stoppedRunning(entry.item)
    }

    /// The backoff of a parked mission is over: queue it again (at the back of its priority).
    public func resume(_ missionID: String) {
        guard let entry = presence[missionID], case .waitingForRetry = entry.state else { return }
        nextOrder += 1
        presence[missionID] = (entry.item, .queued, nextOrder)
        push(entry.item, order: nextOrder)
    }

    // MARK: Cancelling and closing

    /// Removes a queued or waiting mission, or fires the stop signal of a running one.
    public func cancel(_ missionID: String, reason: StopReason = .user) -> CancelResult {
        guard let entry = presence[missionID] else { return .notPresent }
        switch entry.state {
        case .reserved:
            return .notPresent
        case .held, .queued, .waiting, .waitingForRetry:
            forget(missionID)
            return .removedFromQueue
        case .running(let signal):
            signal.fire(reason)
            return .signalledRunning
        }
    }

    /// Stops handing out work: waiting and later `next()` calls return nil. Queued missions stay
    /// in the log as queued and run after a restart.
    public func close() {
        closed = true
        consumers.forEach { $0.resume(returning: nil) }
        consumers = []
    }

    /// Fires the shutdown signal of every running mission.
    public func interruptAll() {
        for entry in presence.values {
            if case .running(let signal) = entry.state { signal.fire(.shutdown) }
        }
    }

    /// Returns when no mission is running.
    public func waitUntilIdle() async {
        guard runningCount > 0 else { return }
        await withCheckedContinuation { idleWaiters.append($0) }
    }

    // MARK: Inspecting

    public func contains(_ missionID: String) -> Bool { presence[missionID] != nil }

    /// Workers waiting in `next()` for a mission.
    public var waitingWorkers: Int { consumers.count }

    public var size: Int { snapshot().queued }

    public func snapshot() -> Snapshot {
        var snapshot = Snapshot(queued: 0, waitingForRetry: 0, running: 0, runningIDs: [])
        for (id, entry) in presence {
            switch entry.state {
            case .reserved: break
            case .held, .queued: snapshot.queued += 1
            case .waiting: snapshot.queued += 1; snapshot.waiting += 1
            case .waitingForRetry: snapshot.waitingForRetry += 1
            case .running: snapshot.running += 1; snapshot.runningIDs.append(id)
            }
        }
        snapshot.runningIDs.sort()
        return snapshot
    }
}
