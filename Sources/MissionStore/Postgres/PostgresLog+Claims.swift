import MissionModel

/// Claims (`LogRecord.claims`) in a shared store: taken in the statement that appends their
/// records, so that two nodes appending the same claim at the same instant commit one of the
/// two appends; the other is refused (`LogError.claimed`) and nothing of it is written.
extension PostgresLog {
    /// Commits the submissions of `batch` whose claims are all free, in one statement; the rest
    /// are refused.
    func commitClaiming(_ batch: [Pending], _ records: [LogRecord], on connection: PostgresConnection) async throws {
        var groups: [String] = [], claims: [String] = [], claimGroups: [String] = [], holders: [String] = []
        for (index, pending) in batch.enumerated() {
            for record in pending.records {
                groups.append(String(index))
                for claim in record.claims {
                    claims.append(claim)
                    claimGroups.append(String(index))
                    holders.append(record.key ?? "")
                }
            }
        }
        let started = ContinuousClock.now
        let row = try await connection.query(Self.claimingAppendSQL(table), [
            records.map { $0.key ?? "" }.joined(separator: "\n"),
            records.map { String(decoding: $0.body, as: UTF8.self) }.joined(separator: "\n"),
            groups.joined(separator: ","),
            claims.joined(separator: "\n"), claimGroups.joined(separator: ","), holders.joined(separator: "\n"),
        ]).rows.first
        guard let row, row.count >= 3, let base = row[0].flatMap({ Int($0) }) else {
            throw LogError.failed(path: table.rawValue, reason: "the append returned no seq")
        }
        let refused = Set((row[1] ?? "").split(separator: ",").compactMap { Int($0) })
        let taken = Set((row[2] ?? "").split(separator: "\n").map(String.init))
        let kept = batch.enumerated().filter { !refused.contains($0.offset) }.map(\.element)
        for index in refused.sorted() {
            let claim = batch[index].records.flatMap(\.claims).first { taken.contains($0) } ?? "a claim"
            if let continuation = batch[index].continuation {
                continuation.resume(throwing: LogError.claimed(claim))
            } else {
                state.withLock { $0.storageReport }?("\(table.rawValue): queued records dropped: \(claim) is held already")
            }
        }
        guard !kept.isEmpty else {
            passTickets(through: batch.last!.ticket, unless: [])
            return
        }
        try await finish(kept, base: base, commitNanoseconds: UInt64(max(0, (ContinuousClock.now - started).nanoseconds)), on: connection)
        passTickets(through: batch.last!.ticket, unless: [])
    }

    /// `appendSQL` with claims: `$1` keys, `$2` bodies and `$3` submission numbers, one per
    /// record; `$4` claims with `$5` their submission and `$6` their holder. The claims are
    /// inserted first (a claim another transaction holds uncommitted waits for it); a
    /// submission any of whose claims is taken is left out, and the seqs are given to the
    /// rest. Answers the base seq, the submissions left out, and the claims found taken.
    static func claimingAppendSQL(_ table: Table) -> String {
        """
        WITH input AS (
            SELECT r.key, r.body, r.grp::int AS grp, r.n
            FROM unnest(string_to_array($1, E'\\n'), string_to_array($2, E'\\n'), string_to_array($3, ',')) WITH ORDINALITY AS r(key, body, grp, n)
        ), wanted AS (
            SELECT c.claim, c.grp::int AS grp, c.holder
            FROM unnest(string_to_array($4, E'\\n'), string_to_array($5, ','), string_to_array($6, E'\\n')) AS c(claim, grp, holder)
        ), claimed AS (
            INSERT INTO log_claim (claim, holder) SELECT claim, holder FROM wanted
            ON CONFLICT (claim) DO NOTHING RETURNING claim, holder
        ), refused AS (
            SELECT w.grp, w.claim FROM wanted w
            WHERE NOT EXISTS (SELECT 1 FROM claimed c WHERE c.claim = w.claim AND c.holder = w.holder)
        ), kept AS (
            SELECT key, body, row_number() OVER (ORDER BY n) AS m FROM input WHERE grp NOT IN (SELECT grp FROM refused)
        ), head AS (
            UPDATE log_head SET last_seq = last_seq + (SELECT count(*) FROM kept) WHERE log = '\(table.head)'
            RETURNING last_seq - (SELECT count(*) FROM kept) AS base
        ), inserted AS (
            INSERT INTO \(table.rawValue) (seq, mission_id, line)
            SELECT head.base + kept.m, nullif(kept.key, ''),
                   '{"seq":' || (head.base + kept.m) || CASE WHEN kept.body = '{}' THEN '}' ELSE ',' || substr(kept.body, 2) END
            FROM head, kept
        )
        SELECT base, (SELECT string_agg(DISTINCT grp::text, ',') FROM refused), (SELECT string_agg(DISTINCT claim, E'\\n') FROM refused),
               pg_notify('\(table.rawValue)', (base + (SELECT count(*) FROM kept))::text)
        FROM head
        """
    }

    nonisolated(nonsending) public func holder(of claim: String) async throws -> String? {
        try await reads.withConnection { connection throws(PostgresError) in
            try await connection.query("SELECT holder FROM log_claim WHERE claim = $1", [claim]).scalar
        }
    }

    nonisolated(nonsending) public func release(_ claims: [String], heldBy key: String) async throws {
        guard !claims.isEmpty else { return }
        _ = try await reads.withConnection { connection throws(PostgresError) in
            try await connection.query("DELETE FROM log_claim WHERE claim = ANY(string_to_array($1, E'\\n')) AND holder = $2",
                                       [claims.joined(separator: "\n"), key])
        }
    }
}
