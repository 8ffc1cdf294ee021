import MissionModel
import Glibc
import Synchronization

/// The server's open connections and which of them are between requests, so that a drain can
/// close idle ones at once while busy ones finish, and `/metrics` can count them.
///
/// Every request marks its connection busy, then idle again: that is done with atomics, not
/// the lock, which the connections of every event loop would otherwise take four times per
/// request. The lock guards opening, closing, the drain and its waiters.
final class ConnectionRegistry: Sendable {
    /// One connection's entry, held by the connection itself.
    final class Slot: Sendable {
        let fd: Int32
        /// Waiting for a next request (or upgraded): a drain may end it at once.
        let idle = Atomic<Bool>(false)

        init(fd: Int32) {
            self.fd = fd
        }
    }

    struct State: NumbersWaiters {
        var connections: [Int32: Slot] = [:]
        /// Upgraded (WebSocket) connections: idle for the drain, which ends them by their reading side.
        var upgraded: Set<Int32> = []
        var idleWaiters: [Int: CheckedContinuation<Void, Never>] = [:]
        /// Waiting for any connection to close (the accept loop, out of descriptors).
        var closeWaiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var nextWaiter = 0
    }

    private let state = Locked(State())
    /// Connections in the middle of a request.
    private let busy = Atomic<Int>(0)
    private let draining = Atomic<Bool>(false)

    var count: Int { state.withLock { $0.connections.count } }
    var isDraining: Bool { draining.load(ordering: .sequentiallyConsistent) }

    /// A new connection, busy until it first waits for a request.
    func open(_ fd: Int32) -> Slot {
        let slot = Slot(fd: fd)
        state.withLock { $0.connections[fd] = slot }
        busy.add(1, ordering: .sequentiallyConsistent)
        return slot
    }

    /// Before the descriptor is closed.
    func closed(_ slot: Slot) {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.connections.removeValue(forKey: slot.fd)
            state.upgraded.remove(slot.fd)
            if !slot.idle.exchange(true, ordering: .sequentiallyConsistent) { busy.subtract(1, ordering: .sequentiallyConsistent) }
            defer { state.closeWaiters = [:] }
            return takeIdleWaitersIfQuiet(&state) + state.closeWaiters.values
        }
        waiters.forEach { $0.resume() }
    }

    /// Returns when a connection closes (its descriptor comes free), or at once if none is open.
    func waitForAClose() async {
        await state.wait(in: \.closeWaiters) { $0.connections.isEmpty }
    }

    /// Marks the connection as waiting for (`true`) or reading/answering (`false`) a request.
    /// Returns false when the server drains and an idle connection should close now.
    func setIdle(_ slot: Slot, _ idle: Bool) -> Bool {
        // Sequentially consistent, paired with `drain`: of a connection going idle and a drain
        // starting, at least one sees the other, so an idle connection is never left open.
        guard slot.idle.exchange(idle, ordering: .sequentiallyConsistent) != idle else { return !(idle && isDraining) }
        if !idle {
            busy.add(1, ordering: .sequentiallyConsistent)
            return true
        }
        let left = busy.subtract(1, ordering: .sequentiallyConsistent).newValue
        guard isDraining else { return true }
        if left == 0 {
            state.withLock { takeIdleWaitersIfQuiet(&$0) }.forEach { $0.resume() }
        }
        return false
    }

    /// The connection now speaks WebSocket. It counts as idle: a drain does not wait for it.
    /// Returns false when the server already drains.
    func upgraded(_ slot: Slot) -> Bool {
        _ = state.withLock { $0.upgraded.insert(slot.fd) }
        return setIdle(slot, true)
    }

    /// From now on requests are refused and idle connections end: those waiting in a read are
    /// woken by shutting their reading side.
    func drain() {
        draining.store(true, ordering: .sequentiallyConsistent)
        state.withLock { state in
            for (fd, slot) in state.connections where slot.idle.load(ordering: .sequentiallyConsistent) {
                Glibc.shutdown(fd, Int32(SHUT_RD))
            }
        }
    }

    /// Returns once no connection is in the middle of a request and every upgraded one has
    /// ended (after `drain` they end at once, saying goodbye). Only after `drain`: before it,
    /// a connection going idle does not look for waiters.
    func waitUntilQuiet() async {
        precondition(isDraining, "waitUntilQuiet before drain")
        await state.wait(in: \.idleWaiters) { state in self.busy.load(ordering: .sequentiallyConsistent) == 0 && state.upgraded.isEmpty }
    }

    private func takeIdleWaitersIfQuiet(_ state: inout State) -> [CheckedContinuation<Void, Never>] {
        guard busy.load(ordering: .sequentiallyConsistent) == 0, state.upgraded.isEmpty else { return [] }
        defer { state.idleWaiters = [:] }
        return Array(state.idleWaiters.values)
    }
}
