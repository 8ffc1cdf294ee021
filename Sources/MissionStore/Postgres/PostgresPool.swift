import MissionModel
import MissionNet

/// Up to `size` connections to one store, lent to one task at a time: reads that miss a node's
/// memory (old records, another node's history) share them. A connection is made when one is
/// needed and none is idle; a task that finds all `size` lent waits its turn. A connection that
/// failed is dropped, not returned: the next borrower makes a fresh one.
public final class PostgresPool: Sendable {
    public let conninfo: String
    public let size: Int
    private let loop: EventLoop
    private let state = Locked(State())

    private struct State: NumbersWaiters {
        var idle: [PostgresConnection] = []
        var lent = 0
        var closed = false
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var nextWaiter = 0
    }

    /// `setup`: statements every new connection runs first (session settings).
    public init(conninfo: String, size: Int, loop: EventLoop, setup: String? = nil) {
        self.conninfo = conninfo
        self.size = max(1, size)
        self.loop = loop
        self.setup = setup
    }

    private let setup: String?

    /// Runs `body` with a connection of its own; an error thrown by it drops the connection
    /// unless the server answered it (then the session is still sound). A connection that sat
    /// idle may have been closed by the server meanwhile (a restart): if it turns out lost,
    /// `body` runs once more on a fresh one, so `body` must be safe to run twice.
    nonisolated(nonsending) public func withConnection<T>(_ body: (PostgresConnection) async throws(PostgresError) -> T) async throws(PostgresError) -> T {
        var (connection, fresh) = try await borrow()
        while true {
            do {
                let result = try await body(connection)
                giveBack(connection)
                return result
            } catch {
                if case .server = error {
                    giveBack(connection)
                    throw error
                }
                giveBack(nil, closing: connection)
                guard !fresh, case .connection = error else { throw error }
                (connection, fresh) = try await borrow(fresh: true)
            }
        }
    }

    private enum Turn { case connection(PostgresConnection), make, wait, closed }

    /// A connection, and whether it was just made (`fresh`: never an idle one).
    nonisolated(nonsending) private func borrow(fresh: Bool = false) async throws(PostgresError) -> (PostgresConnection, Bool) {
        while true {
            let turn = state.withLock { state -> Turn in
                if state.closed { return .closed }
                if !fresh, let connection = state.idle.popLast() {
                    state.lent += 1
                    return .connection(connection)
                }
                guard state.lent < size else { return .wait }
                state.lent += 1
                return .make
            }
            switch turn {
            case .connection(let connection):
                return (connection, false)
            case .make:
                do throws(PostgresError) {
                    let connection = try await PostgresConnection.connect(conninfo, loop: loop)
                    if let setup {
                        do throws(PostgresError) {
                            try await connection.execute(setup)
                        } catch {
                            connection.close()
                            throw error
                        }
                    }
                    return (connection, true)
                } catch {
                    giveBack(nil)
                    throw error
                }
            case .closed:
                throw .connection("the store is closed")
            case .wait:
                await state.wait(in: \.waiters) { $0.closed || !$0.idle.isEmpty || $0.lent < self.size }
                if Task.isCancelled { throw .connection("the read was cancelled") }
            }
        }
    }

    /// Returns a sound connection (or, with nil, the slot of one that failed or was never made).
    private func giveBack(_ connection: PostgresConnection?, closing broken: PostgresConnection? = nil) {
        broken?.close()
        let (waiter, surplus) = state.withLock { state -> (CheckedContinuation<Void, Never>?, PostgresConnection?) in
            state.lent -= 1
            var surplus: PostgresConnection?
            if let connection {
                if state.closed { surplus = connection } else { state.idle.append(connection) }
            }
            let first = state.waiters.keys.min()
            return (first.flatMap { state.waiters.removeValue(forKey: $0) }, surplus)
        }
        surplus?.close()
        waiter?.resume()
    }

    /// Closes the idle connections; lent ones are closed as they come back.
    public func close() {
        let (idle, waiters) = state.withLock { state in
            state.closed = true
            defer { state.idle = []; state.waiters = [:] }
            return (state.idle, Array(state.waiters.values))
        }
        idle.forEach { $0.close() }
        waiters.forEach { $0.resume() }
    }
}
