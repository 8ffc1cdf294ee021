import Glibc

/// The server's open connections and which of them are between requests, so that a drain can
/// close idle ones at once while busy ones finish, and `/metrics` can count them.
final class ConnectionRegistry: Sendable {
    struct State: NumbersWaiters {
        /// fd → whether the connection waits for a next request.
        var connections: [Int32: Bool] = [:]
        /// Upgraded (WebSocket) connections: idle for the drain, which ends them by their reading side.
        var upgraded: Set<Int32> = []
        var busy = 0
        var draining = false
        var idleWaiters: [Int: CheckedContinuation<Void, Never>] = [:]
        /// Waiting for any connection to close (the accept loop, out of descriptors).
        var closeWaiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var nextWaiter = 0
    }

    private let state = Locked(State())

    var count: Int { state.withLock { $0.connections.count } }
    var isDraining: Bool { state.withLock { $0.draining } }

    func open(_ fd: Int32) {
        state.withLock { $0.connections[fd] = false; $0.busy += 1 }
    }

    /// Before the descriptor is closed.
    func closed(_ fd: Int32) {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            if state.connections.removeValue(forKey: fd) == false { state.busy -= 1 }
            state.upgraded.remove(fd)
            defer { state.closeWaiters = [:] }
            return state.takeIdleWaitersIfQuiet() + state.closeWaiters.values
        }
        waiters.forEach { $0.resume() }
    }

    /// Returns when a connection closes (its descriptor comes free), or at once if none is open.
    func waitForAClose() async {
        await state.wait(in: \.closeWaiters) { $0.connections.isEmpty }
    }

    /// Marks the connection as waiting for (`true`) or reading/answering (`false`) a request.
    /// Returns false when the server drains and an idle connection should close now.
    func setIdle(_ fd: Int32, _ idle: Bool) -> Bool {
        let (keep, waiters) = state.withLock { state -> (Bool, [CheckedContinuation<Void, Never>]) in
            guard let was = state.connections[fd], was != idle else { return (true, []) }
            state.connections[fd] = idle
            state.busy += idle ? -1 : 1
            return (!(idle && state.draining), state.takeIdleWaitersIfQuiet())
        }
        waiters.forEach { $0.resume() }
        return keep
    }

    /// The connection now speaks WebSocket. It counts as idle: a drain does not wait for it.
    /// Returns false when the server already drains.
    func upgraded(_ fd: Int32) -> Bool {
        _ = state.withLock { $0.upgraded.insert(fd) }
        return setIdle(fd, true)
    }

    /// From now on requests are refused and idle connections end: those waiting in a read are
    /// woken by shutting their reading side.
    func drain() {
        state.withLock { state in
            state.draining = true
            for (fd, idle) in state.connections where idle { Glibc.shutdown(fd, Int32(SHUT_RD)) }
        }
    }

    /// Returns once no connection is in the middle of a request and every upgraded one has
    /// ended (after `drain` they end at once, saying goodbye).
    func waitUntilQuiet() async {
        await state.wait(in: \.idleWaiters) { $0.busy == 0 && $0.upgraded.isEmpty }
    }
}

extension ConnectionRegistry.State {
    mutating func takeIdleWaitersIfQuiet() -> [CheckedContinuation<Void, Never>] {
        guard busy == 0, upgraded.isEmpty else { return [] }
        defer { idleWaiters = [:] }
        return Array(idleWaiters.values)
    }
}
