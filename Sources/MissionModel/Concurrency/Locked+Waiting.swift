/// Locked state that numbers the tasks waiting on it.
package protocol NumbersWaiters: SendableMetatype {
    var nextWaiter: Int { get set }
}

extension Locked where State: NumbersWaiters {
    /// Waits in `waiters`, which whoever makes `ready` true resumes, unless `ready` holds
    /// already; cancellation ends the wait. Checked under the lock: a cancellation that came
    /// first is seen here, one that comes later finds the waiter.
    package func wait(in waiters: WritableKeyPath<State, [Int: CheckedContinuation<Void, Never>]> & Sendable,
              unless ready: @escaping @Sendable (State) -> Bool) async {
        let id = withLock { state in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let now = withLock { state -> Bool in
                    guard !Task.isCancelled, !ready(state) else { return true }
                    state[keyPath: waiters][id] = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            withLock { $0[keyPath: waiters].removeValue(forKey: id) }?.resume()
        }
    }
}

extension Locked {
    /// Resumes every task waiting in `waiters`; each looks at its own condition again. Call it
    /// after the change that may make them ready: a task that comes to wait after the change
    /// sees it under the lock and does not wait.
    package func wakeAll(_ waiters: WritableKeyPath<State, [Int: CheckedContinuation<Void, Never>]> & Sendable) {
        let woken = withLock { state in
            defer { state[keyPath: waiters] = [:] }
            return Array(state[keyPath: waiters].values)
        }
        woken.forEach { $0.resume() }
    }
}
