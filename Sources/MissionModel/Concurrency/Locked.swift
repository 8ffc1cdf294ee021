import Glibc

/// A value protected by a `pthread_mutex`. Used instead of `Synchronization.Mutex`, which on
/// Linux is built on raw futexes that ThreadSanitizer cannot see: with it, every access under
/// the lock was reported as a race, hiding any real one.
///
/// `@unchecked Sendable`: `state` is only read or written inside `withLock`, under the mutex.
package final class Locked<State>: @unchecked Sendable {
    // Visible to inlined callers: every layer takes locks on its hot paths, and an
    // unspecialised `withLock` copies its state through value witnesses.
    @usableFromInline let mutex: UnsafeMutablePointer<pthread_mutex_t>
    @usableFromInline var state: State

    package init(_ state: State) {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        self.state = state
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deinitialize(count: 1)
        mutex.deallocate()
    }

    @inlinable
    package func withLock<Result>(_ body: (inout State) throws -> Result) rethrows -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&state)
    }
}
