import MissionModel

/// Following the shared log: the follower task reads whatever other nodes committed, woken
/// by their notifications; the writer reads what came before its own commit. Both deliver
/// runs of entries in seq order, once each, to the fold and then to readers here.
extension PostgresLog {
    /// The follower task: reads every row after this node's last, then waits for a
    /// notification (or `followCheck`), until cancelled; reconnects when its connection fails.
    func runFollower(_ first: PostgresConnection) async {
        var connection: PostgresConnection? = first
        var delay = limits.reconnectDelay.lowerBound
        while !Task.isCancelled {
            do {
                if connection == nil {
                    let fresh = try await PostgresConnection.connect(conninfo, loop: loop)
                    connection = fresh
                    try await fresh.execute("LISTEN \(table.rawValue)")
                }
                try await catchUp(through: nil, on: connection!)
                delay = limits.reconnectDelay.lowerBound
                // The store answers again: new writes may be taken (the writer reconnects on
                // its next batch, and says so itself if it cannot).
                markAvailable()
                let own = state.withLock { $0.writerBackend }
                _ = try await connection!.waitForNotification(timeout: limits.followCheck) { $0 != own }
            } catch {
                connection?.close()
                connection = nil
                if Task.isCancelled { break }
                // Not marked unavailable here: whether writes are taken is the writer's to find
                // out (a read can fail while a write would not, and the other way round).
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, limits.reconnectDelay.upperBound)
            }
        }
        connection?.close()
    }

    /// Reads and delivers every committed row after this node's last, up to `last` (nil: all).
    func catchUp(through last: Int?, on connection: PostgresConnection) async throws {
        while true {
            let from = lastSeq
            if let last, from >= last { return }
            let page = last.map { min(limits.readPage, $0 - from) } ?? limits.readPage
            let rows = try await connection.query(Self.readSQL(table), [String(from), String(page)]).rows
            deliver(try rows.map { row throws(LogError) in try Self.entry(row, table: table) }, commitNanoseconds: nil)
            if rows.count < page { return }
        }
    }

    /// Folds in and publishes the entries of `entries` that follow this node's last seq
    /// without a gap (the rest were delivered already, or will be); the writer's own commits
    /// count their commit time in `stats`.
    func deliver(_ entries: [LogEntry], commitNanoseconds: UInt64?) {
        let waiters = delivery.withLock { _ -> [CheckedContinuation<Void, Never>] in
            var run: [LogEntry] = []
            var next = lastSeq + 1
            for entry in entries where entry.seq >= next {
                guard entry.seq == next else { break }
                run.append(entry)
                next += 1
            }
            guard !run.isEmpty else { return [] }
            onCommit?(run)
            let slim = run.map(\.slim)
            return state.withLock { state in
                for entry in slim { state.recent.append(entry) }
                state.applied = run.last!.seq
                if let commitNanoseconds {
                    state.stats.records += run.count
                    state.stats.syncs += 1
                    state.stats.syncNanoseconds += commitNanoseconds
                    state.stats.syncSeconds.observe(Double(commitNanoseconds) / 1e9)
                }
                defer { state.waiters = [:] }
                return Array(state.waiters.values)
            }
        }
        waiters.forEach { $0.resume() }
    }

    /// Waiters are all woken on each commit and look again: followers here are mostly caught
    /// up, so nearly all of them would be woken anyway.
    public func waitForCommit(after seq: Int) async -> Bool {
        while true {
            let (applied, finished) = state.withLock { ($0.applied, $0.finished) }
            if applied > seq { return true }
            if finished || Task.isCancelled { return false }
            await state.wait(in: \.waiters) { $0.applied > seq || $0.finished }
        }
    }

    public func waitForCommit(of ticket: LogTicket) async -> Bool {
        while true {
            let (committed, finished) = state.withLock { ($0.committedTicket, $0.finished) }
            if committed >= ticket.position { return true }
            if finished || Task.isCancelled { return false }
            await state.wait(in: \.waiters) { $0.committedTicket >= ticket.position || $0.finished }
        }
    }
}
