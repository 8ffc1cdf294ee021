import MissionModel

/// Reads: recent entries from memory, older ones from the store; and the store's health.
extension PostgresLog {
    nonisolated(nonsending) public func entries(after seq: Int, limit: Int) async throws -> [LogEntry] {
        let (first, last, memory) = state.withLock { state -> (Int, Int, [LogEntry]?) in
            let first = max(seq + 1, 1)
            let last = min(state.applied, seq + limit)
            guard first <= last else { return (first, last, []) }
            if let recentFirst = state.recent.firstSeq, first >= recentFirst { return (first, last, state.recent.entries(first...last)) }
            return (first, last, nil)
        }
        if let memory { return memory }
        let rows = try await reads.withConnection { connection throws(PostgresError) in
            try await connection.query(Self.readSQL(table), [String(first - 1), String(last - first + 1)]).rows
        }
        return try rows.map { row throws(LogError) in try Self.entry(row, table: table) }
    }

    nonisolated(nonsending) public func entries(at seqs: [Int]) async throws -> [LogEntry] {
        let applied = lastSeq
        let wanted = seqs.filter { $0 >= 1 && $0 <= applied }
        guard !wanted.isEmpty else { return [] }
        let held = state.withLock { state -> [LogEntry]? in
            guard let recentFirst = state.recent.firstSeq, wanted[0] >= recentFirst else { return nil }
            return wanted.flatMap { state.recent.entries($0...$0) }
        }
        if let held { return held }
        let list = "{" + wanted.map(String.init).joined(separator: ",") + "}"
        let rows = try await reads.withConnection { connection throws(PostgresError) in
            try await connection.query("SELECT seq, mission_id, line FROM \(table.rawValue) WHERE seq = ANY($1::bigint[]) ORDER BY seq", [list]).rows
        }
        return try rows.map { row throws(LogError) in try Self.entry(row, table: table) }
    }

    public var storage: LogStorage {
        state.withLock { state in state.unavailable.map { .unavailable($0) } ?? .ok }
    }

    public func requireSpace() throws(LogError) {
        if let reason = state.withLock({ $0.unavailable }) { throw .unavailable(store: redacted, reason: reason) }
    }

    public func reportStorage(to report: @escaping @Sendable (String) -> Void) {
        state.withLock { $0.storageReport = report }
    }

    /// Nothing here waits for space: records wait for the store only until the log closes.
    public func abandonWritesWaitingForSpace() {}

    func markUnavailable(_ error: any Error) {
        let reason = "\(error)"
        let report = state.withLock { state -> (@Sendable (String) -> Void)? in
            defer { state.unavailable = reason }
            return state.unavailable == nil ? state.storageReport : nil
        }
        report?("\(table.rawValue): the store cannot be reached (\(reason)); new missions get 503 and the node reconnects by itself")
    }

    func markAvailable() {
        let report = state.withLock { state -> (@Sendable (String) -> Void)? in
            defer { state.unavailable = nil }
            return state.unavailable != nil ? state.storageReport : nil
        }
        report?("\(table.rawValue): the store is reachable again")
    }
}
