import MissionModel

/// Appending: records are queued with a ticket; the writer task commits everything queued in
/// one statement, catches this node up to the seqs before its own, and folds them in.
extension PostgresLog {
    public func append(_ records: [LogRecord]) async throws -> [LogEntry] {
        let records = try checked(records)
        return try await withCheckedThrowingContinuation { continuation in
            if let error = submit(records, continuation).error { continuation.resume(throwing: error) }
        }
    }

    public func enqueue(_ records: [LogRecord]) throws -> LogTicket {
        let submitted = submit(try checked(records), nil)
        if let error = submitted.error { throw error }
        return LogTicket(position: submitted.ticket)
    }

    public var queuedBytes: Int { state.withLock { $0.pendingBytes } }

    public var maxBatchBytes: Int { limits.maxBatchBytes }

    public func flush() async {
        let last = state.withLock { $0.lastTicket }
        _ = await waitForCommit(of: LogTicket(position: last))
    }

    func checked(_ records: [LogRecord]) throws(LogError) -> [LogRecord] {
        for record in records where record.body.count > limits.maxRecordBytes {
            throw .recordTooLarge(path: table.rawValue, bytes: record.body.count, limit: limits.maxRecordBytes)
        }
        // Claims and keys travel one per line.
        for record in records where record.claims.contains(where: { $0.contains("\n") || $0.isEmpty }) || record.key?.contains("\n") == true {
            throw .corruptLine(path: table.rawValue, line: 0, reason: "a claim or key that is empty or holds a newline")
        }
        return records
    }

    private func submit(_ records: [LogRecord], _ continuation: CheckedContinuation<[LogEntry], any Error>?) -> (ticket: Int, error: LogError?) {
        let (ticket, error) = state.withLock { state -> (Int, LogError?) in
            if state.closed { return (0, .closed(path: table.rawValue)) }
            // Waited appends are refused while the store is away (the client is told at once);
            // enqueued records wait for it, as they wait for a full disk in the embedded store.
            if continuation != nil, let reason = state.unavailable { return (0, .unavailable(store: redacted, reason: reason)) }
            let bytes = records.reduce(0) { $0 + $1.body.count + 24 }
            state.lastTicket += 1
            state.pending.append(Pending(records: records, bytes: bytes, ticket: state.lastTicket, continuation: continuation))
            state.pendingBytes += bytes
            return (state.lastTicket, nil)
        }
        if error == nil { state.wakeAll(\.writerWaiters) }
        return (ticket, error)
    }

    /// The next batch (at most `maxBatchBytes`, at least one submission), waiting for one; nil
    /// once the log is closed and nothing is left.
    private func nextBatch() async -> [Pending]? {
        while true {
            let batch = state.withLock { state -> [Pending]? in
                if state.pending.isEmpty { return state.closed ? nil : [] }
                var taken = 0, bytes = 0
                for pending in state.pending {
                    if taken > 0 && bytes + pending.bytes > limits.maxBatchBytes { break }
                    bytes += pending.bytes
                    taken += 1
                }
                state.pendingBytes -= bytes
                defer { state.pending.removeFirst(taken) }
                return Array(state.pending[0..<taken])
            }
            guard let batch else { return nil }
            if !batch.isEmpty { return batch }
            await state.wait(in: \.writerWaiters) { $0.closed || !$0.pending.isEmpty }
        }
    }

    /// A commit whose answer was lost with its connection: it may or may not have happened.
    struct Doubt {
        /// The body of its first record, looked for after `before`.
        var firstBody: String
        var count: Int
        var before: Int
        /// The submissions it carried, and whether any claimed a name (then which of them
        /// were committed cannot be told from its first record).
        var tickets: [Int]
        var claiming: Bool
    }

    /// The commit in doubt was committed after all, after `base`. If `batch` is that very
    /// commit, its appenders still waiting, they are answered as if its answer had come. Else
    /// its rows are read back like another node's; what is left of it in `batch` (records
    /// nobody waits for, or appenders of a commit whose claims may have left some out) is done.
    private func settle(_ doubt: Doubt, committedAfter base: Int, in batch: inout [Pending], on connection: PostgresConnection) async throws {
        if batch.map(\.ticket) == doubt.tickets, !doubt.claiming {
            try await finish(batch, base: base, commitNanoseconds: 0, on: connection)
            batch = []
            return
        }
        try await catchUp(through: base + doubt.count, on: connection)
        let settled = batch.filter { doubt.tickets.contains($0.ticket) }
        guard let last = settled.last else { return }
        for pending in settled {
            pending.continuation?.resume(throwing: LogError.unavailable(store: redacted, reason: "the answer to its commit was lost; it may have been recorded"))
        }
        batch.removeAll { doubt.tickets.contains($0.ticket) }
        passTickets(through: last.ticket, unless: batch)
    }

    /// The writer task: commits batches in order until the log closes, reconnecting (with a
    /// growing delay) while the store cannot be reached.
    func runWriter(_ first: PostgresConnection) async {
        var connection: PostgresConnection? = first
        var delay = limits.reconnectDelay.lowerBound
        var doubt: Doubt?
        while var batch = await nextBatch() {
            // A connection found broken is replaced at once, once per batch, before anyone is
            // told: after an outage the old one is only found dead by the first write.
            var replaced = false
            while !batch.isEmpty {
                do {
                    if connection == nil {
                        let fresh = try await PostgresConnection.connect(conninfo, loop: loop)
                        connection = fresh
                        let backend = try await fresh.backendPID()
                        state.withLock { $0.writerBackend = backend }
                    }
                    if let open = doubt {
                        if let base = try await committedBase(of: open, on: connection!) {
                            try await settle(open, committedAfter: base, in: &batch, on: connection!)
                        }
                        // Not found: none of it was committed, and what is left of it goes again.
                        doubt = nil
                    }
                    if !batch.isEmpty {
                        let records = batch.flatMap(\.records)
                        doubt = Doubt(firstBody: String(decoding: records[0].body, as: UTF8.self), count: records.count, before: lastSeq,
                                      tickets: batch.map(\.ticket), claiming: records.contains { !$0.claims.isEmpty })
                        try await commit(batch, records, on: connection!)
                    }
                    doubt = nil
                    batch = []
                    delay = limits.reconnectDelay.lowerBound
                    markAvailable()
                } catch {
                    if let refusal = error as? PostgresError, case .server(let sqlstate, _) = refusal {
                        // A deadlock or serialization failure rolled the statement back: it
                        // goes again, once. Any other refusal would come again.
                        if !replaced, sqlstate == "40P01" || sqlstate == "40001" {
                            replaced = true
                            continue
                        }
                        doubt = nil
                        for pending in batch { pending.continuation?.resume(throwing: LogError.unavailable(store: redacted, reason: "\(error)")) }
                        state.withLock { $0.storageReport }?("\(table.rawValue): a commit of \(batch.count) submissions was refused: \(error)")
                        passTickets(through: batch.last!.ticket, unless: [])
                        batch = []
                        continue
                    }
                    connection?.close()
                    connection = nil
                    if !replaced {
                        replaced = true
                        continue
                    }
                    markUnavailable(error)
                    // The appenders are answered now (not acknowledged); records nobody waits
                    // for stay queued and are tried again, unless the log is closing.
                    for pending in batch { pending.continuation?.resume(throwing: LogError.unavailable(store: redacted, reason: "\(error)")) }
                    let last = batch.last!.ticket
                    batch.removeAll { $0.continuation != nil }
                    // Tickets of records given up at close are never passed: their waiters hear
                    // false when the log finishes.
                    passTickets(through: last, unless: batch)
                    if state.withLock({ $0.closed }) {
                        let given = batch.reduce(0) { $0 + $1.records.count }
                        if given > 0 { state.withLock { $0.storageReport }?("\(table.rawValue): \(given) queued records given up at close: the store cannot be reached") }
                        batch = []
                    }
                    if batch.isEmpty { break }
                    try? await Task.sleep(for: delay)
                    delay = min(delay * 2, limits.reconnectDelay.upperBound)
                }
            }
        }
        connection?.close()
    }

    /// Commits `batch` (whose records are `records`) in one statement, then folds in everything
    /// up to it: the rows other nodes committed before it (read back), then its own entries
    /// (kept as appended).
    private func commit(_ batch: [Pending], _ records: [LogRecord], on connection: PostgresConnection) async throws {
        if records.contains(where: { !$0.claims.isEmpty }) { return try await commitClaiming(batch, records, on: connection) }
        let keys = records.map { $0.key ?? "" }.joined(separator: "\n")
        let bodies = records.map { String(decoding: $0.body, as: UTF8.self) }.joined(separator: "\n")
        let started = ContinuousClock.now
        guard let answer = try await connection.query(Self.appendSQL(table), [String(records.count), keys, bodies]).scalar,
              let base = Int(answer) else { throw LogError.failed(path: table.rawValue, reason: "the append returned no seq") }
        try await finish(batch, base: base, commitNanoseconds: UInt64(max(0, (ContinuousClock.now - started).nanoseconds)), on: connection)
    }

    /// After `batch` was committed after `base`: folds in what other nodes committed before
    /// it, then its own entries (kept as appended), and answers its appenders.
    func finish(_ batch: [Pending], base: Int, commitNanoseconds: UInt64, on connection: PostgresConnection) async throws {
        try await catchUp(through: base, on: connection)
        var entries: [[LogEntry]] = []
        var seq = base
        for pending in batch {
            entries.append(pending.records.map { record in
                seq += 1
                return JSONLLog.makeEntry(seq: seq, record)
            })
        }
        deliver(entries.flatMap(\.self), commitNanoseconds: commitNanoseconds)
        for (pending, entries) in zip(batch, entries) { pending.continuation?.resume(returning: entries) }
        passTickets(through: batch.last!.ticket, unless: [])
    }

    /// Whether the commit in doubt happened: the seq before its first record if that is found
    /// (by its text) after `before`; nil if not.
    private func committedBase(of doubt: Doubt, on connection: PostgresConnection) async throws -> Int? {
        let found = try await connection.query("""
            SELECT seq FROM \(table.rawValue) WHERE seq > $1::bigint AND right(line, length($2) - 1) = substr($2, 2) ORDER BY seq LIMIT 1
            """, [String(doubt.before), doubt.firstBody]).scalar
        return found.flatMap { Int($0) }.map { $0 - 1 }
    }

    /// One statement, so one transaction: take `$1` seqs from the head row (whose lock is held
    /// to the commit: the next writer, on any node, waits and numbers after), insert the lines
    /// (`$2` keys and `$3` bodies, one per line: JSON never holds a raw newline) with `seq`
    /// spliced in front exactly as `JSONLLog.makeEntry` does, and wake the other nodes.
    static func appendSQL(_ table: Table) -> String {
        """
        WITH head AS (
            UPDATE log_head SET last_seq = last_seq + $1::bigint WHERE log = '\(table.head)' RETURNING last_seq - $1::bigint AS base
        ), inserted AS (
            INSERT INTO \(table.rawValue) (seq, mission_id, line)
            SELECT head.base + r.n, nullif(r.key, ''),
                   '{"seq":' || (head.base + r.n) || CASE WHEN r.body = '{}' THEN '}' ELSE ',' || substr(r.body, 2) END
            FROM head, unnest(string_to_array($2, E'\\n'), string_to_array($3, E'\\n')) WITH ORDINALITY AS r(key, body, n)
        )
        SELECT base, pg_notify('\(table.rawValue)', (base + $1::bigint)::text) FROM head
        """
    }

    /// Marks every submission up to `ticket` done for `waitForCommit(of:)`, except those
    /// still in `held` (records kept for another try).
    func passTickets(through ticket: Int, unless held: [Pending]) {
        let limit = held.first.map { min(ticket, $0.ticket - 1) } ?? ticket
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            guard limit > state.committedTicket else { return [] }
            state.committedTicket = min(limit, state.lastTicket)
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        waiters.forEach { $0.resume() }
    }
}
