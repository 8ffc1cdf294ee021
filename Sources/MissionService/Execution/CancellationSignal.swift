import MissionModel
/// Why a running mission is being stopped from outside its tool.
public enum StopReason: Sendable, Equatable {
    /// `cancel ID`: the mission ends `cancelled`.
    case user
    /// Shutdown past its grace period: the mission goes back to `queued` (reason `interrupted`).
    case shutdown
    /// The attempt ran past `max_duration_seconds`: it fails (reason `timeout`) and is retried
    /// while attempts remain.
    case timeout
    /// Cluster mode: another node decided the mission's fate (a cancel recorded there, or its
    /// lease taken over after this node could not renew it): the attempt stops and records
    /// nothing, the records are that node's to write.
    case superseded
}

/// A one-shot signal a running mission's supervisor waits on; `fire` may come from any task.
public final class CancellationSignal: Sendable {
    private struct State {
        var reason: StopReason?
        /// What it guarded ended by itself first: waiters return nil, now and later.
        var released = false
        var waiters: [Int: CheckedContinuation<StopReason?, Never>] = [:]
        var nextID = 0
    }

    private let state = Locked(State())

    public init() {}

    public var reason: StopReason? { state.withLock { $0.reason } }

    /// Tasks suspended in `wait()` now (for tests that must reach that state).
    var waiting: Int { state.withLock { $0.waiters.count } }

    /// Fires once; later calls keep the first reason. After `release` it does nothing.
    public func fire(_ reason: StopReason) {
        let waiters = state.withLock { state -> [CheckedContinuation<StopReason?, Never>] in
            // After a release, what it guarded has already ended: too late to stop it.
            guard state.reason == nil, !state.released else { return [] }
            state.reason = reason
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        waiters.forEach { $0.resume(returning: reason) }
    }

    /// What the signal guards ended by itself: waiters (and later ones) get nil, unless it
    /// already fired. Returns the reason it fired with before this, if it did: that stop wins.
    @discardableResult
    public func release() -> StopReason? {
        let (reason, waiters) = state.withLock { state -> (StopReason?, [CheckedContinuation<StopReason?, Never>]) in
            state.released = true
            defer { state.waiters = [:] }
            return (state.reason, Array(state.waiters.values))
        }
        waiters.forEach { $0.resume(returning: nil) }
        return reason
    }

    /// The reason once fired; nil once released first, or if the waiting task is cancelled first.
    public func wait() async -> StopReason? {
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let ready: StopReason?? = state.withLock { state in
                    if let reason = state.reason { return .some(reason) }
                    if state.released || Task.isCancelled { return .some(nil) }
                    state.waiters[id] = continuation
                    return nil
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume(returning: nil)
        }
    }
}
