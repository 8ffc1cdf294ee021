import MissionModel
/// The `max_duration_seconds` deadlines of running attempts and the `run_at` times of waiting
/// missions (CONTRACT §9), watched by one task.
///
/// A timer per attempt (a sleeping child task) cost a dispatch timer that outlived its
/// cancellation: a burst of short missions left one 30-second timer behind for each, and the
/// timers took ~6% of the executor's time. Here an attempt registers its deadline and what to
/// do when it passes; `run()` sleeps until the earliest one and is woken only when an earlier
/// one arrives (rare: deadlines mostly arrive in order).
final class AttemptDeadlines: Sendable {
    private struct Entry: HeapRanked {
        var deadline: ContinuousClock.Instant
        var id: UInt64
        var rank: ContinuousClock.Instant { deadline }
    }

    private struct State {
        var heap = PriorityHeap<Entry>()
        /// The live registrations; heap entries of removed ones are dropped when met.
        var actions: [UInt64: @Sendable () -> Void] = [:]
        var nextID: UInt64 = 0
        /// The watcher, while it waits for an earlier deadline than the one it sleeps toward.
        var watcher: CheckedContinuation<Void, Never>?
        var watchedDeadline: ContinuousClock.Instant?
        /// The earliest deadline added since the watcher last looked at the heap.
        var earliestNew: ContinuousClock.Instant?
    }

    private let state = Locked(State())

    /// Calls `expire` once `deadline` passes, unless `remove` comes first. Returns the handle
    /// for `remove`.
    func add(_ deadline: ContinuousClock.Instant, expire: @escaping @Sendable () -> Void) -> UInt64 {
        let (id, wake) = state.withLock { state -> (UInt64, CheckedContinuation<Void, Never>?) in
            state.nextID += 1
            state.actions[state.nextID] = expire
            state.heap.insert(Entry(deadline: deadline, id: state.nextID))
            state.earliestNew = min(state.earliestNew ?? deadline, deadline)
            guard state.watcher != nil, state.watchedDeadline.map({ deadline < $0 }) ?? true else { return (state.nextID, nil) }
            defer { state.watcher = nil }
            return (state.nextID, state.watcher)
        }
        wake?.resume()
        return id
    }

    func remove(_ id: UInt64) {
        state.withLock { state in
            state.actions[id] = nil
            // Removed entries wait in the heap until their deadline; rebuild when they dominate.
            if state.heap.count > 64 && state.heap.count > 4 * state.actions.count {
                var heap = PriorityHeap<Entry>()
                while let entry = state.heap.popMin() {
                    if state.actions[entry.id] != nil { heap.insert(entry) }
                }
                state.heap = heap
            }
        }
    }

    /// Registrations still live, and entries the heap holds (live or removed).
    var counts: (live: Int, held: Int) { state.withLock { ($0.actions.count, $0.heap.count) } }

    /// Fires deadlines as they pass, until the calling task is cancelled.
    func run() async {
        while !Task.isCancelled {
            let next = fireDue()
            await withTaskGroup(of: Void.self) { group in
                if let next {
                    group.addTask { try? await Task.sleep(until: next, clock: .continuous) }
                }
                group.addTask { await self.waitForEarlier(than: next) }
                await group.next()
                group.cancelAll()
            }
        }
    }

    /// Runs the actions whose deadline has passed; returns the earliest one left.
    private func fireDue() -> ContinuousClock.Instant? {
        let now = ContinuousClock.now
        let (due, next) = state.withLock { state -> ([@Sendable () -> Void], ContinuousClock.Instant?) in
            var due: [@Sendable () -> Void] = []
            state.earliestNew = nil
            while let first = state.heap.peek() {
                guard let action = state.actions[first.id] else {
                    _ = state.heap.popMin()
                    continue
                }
                guard first.deadline <= now else { break }
                _ = state.heap.popMin()
                state.actions[first.id] = nil
                due.append(action)
            }
            return (due, state.heap.peek()?.deadline)
        }
        due.forEach { $0() }
        return next
    }

    /// Returns when a deadline earlier than `current` is added, or the task is cancelled.
    private func waitForEarlier(than current: ContinuousClock.Instant?) async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ready = state.withLock { state -> Bool in
                    if Task.isCancelled { return true }
                    // One added since fireDue looked, earlier than what the watcher sleeps toward.
                    if let new = state.earliestNew, current.map({ new < $0 }) ?? true { return true }
                    state.watcher = continuation
                    state.watchedDeadline = current
                    return false
                }
                if ready { continuation.resume() }
            }
        } onCancel: {
            let watcher = state.withLock { state -> CheckedContinuation<Void, Never>? in
                defer { state.watcher = nil }
                return state.watcher
            }
            watcher?.resume()
        }
    }
}
