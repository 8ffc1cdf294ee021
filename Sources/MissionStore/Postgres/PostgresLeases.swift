import MissionModel
import MissionNet

/// Leases on missions (CONTRACT §8), in the store's `mission_lease` table: a node runs a
/// mission only while it holds its row, renews every row it holds, and deletes the row once the
/// mission's records say it left the node (ended, or handed back). A row whose time ran out
/// (on the database's clock) may be taken by any node. Rows hold ids only; what a mission is
/// and whether it ended is the log's to say, which is why a claim returns the log's head.
public final class PostgresLeases: Sendable {
    public let nodeID: String
    public let duration: Duration
    private let pool: PostgresPool
    private let batchPool: PostgresPool
    private let held = Locked(Set<String>())

    public enum Claim: Sendable, Equatable {
        /// This node holds the lease; every record committed before the claim has a seq up to
        /// `head`: wait for the view to reach it before deciding from it.
        case granted(head: Int)
        /// Another node holds it, and its time has not run out.
        case heldBy(String)
    }

    public init(conninfo: String, loop: EventLoop, nodeID: String, duration: Duration) {
        self.nodeID = nodeID
        self.duration = duration
        pool = PostgresPool(conninfo: conninfo, size: 1, loop: loop)
        // Claims and releases commit without waiting for their WAL to be flushed: a claim is
        // flushed by the attempt's first durable record (the WAL is one sequence; the executor
        // syncs that record before any tool that is not inline runs), and a release lost in a
        // crash only runs out. Renewals, on `pool`, still wait: a renewal lost could let
        // another node take a mission that runs here.
        batchPool = PostgresPool(conninfo: conninfo, size: 1, loop: loop, setup: "SET synchronous_commit = off")
    }

    private var seconds: String { String(Double(duration.nanoseconds) / 1e9) }

    /// Claims and releases wait here for `run()`, which takes all of them at each turn: one
    /// statement (one commit) for every claim waiting, one for every release, instead of one
    /// each.
    private struct Batch: NumbersWaiters {
        var claims: [(missionID: String, continuation: CheckedContinuation<Result<Claim, PostgresError>, Never>)] = []
        var releases: [String] = []
        /// Claims (`log_claim`) let go with the releases: (claim, holder).
        var claimsLetGo: [(String, String)] = []
        var running = true
        /// `run()`, while nothing waits.
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var nextWaiter = 0

        var isEmpty: Bool { claims.isEmpty && releases.isEmpty && claimsLetGo.isEmpty }
    }

    private let batch = Locked(Batch())

    /// Takes the lease on `missionID` if nobody holds it, its holder's time ran out, or this
    /// node holds it already (then it is renewed).
    public func claim(_ missionID: String) async throws(PostgresError) -> Claim {
        let result = await withCheckedContinuation { continuation in
            let accepted = batch.withLock { batch -> Bool in
                guard batch.running else { return false }
                batch.claims.append((missionID, continuation))
                return true
            }
            if accepted { batch.wakeAll(\.waiters) } else { continuation.resume(returning: .failure(.connection("the node is stopping"))) }
        }
        return try result.get()
    }

    /// Lets go of `missionID` (its records say it ended or went back to the queue), if this node
    /// holds it: another node may take it at once. With it, `claims` (names in `log_claim` the
    /// mission holds, such as the dedup key of one that ended). Returns at once: the release is
    /// committed with the others of its turn.
    public func release(_ missionID: String, claims: [String] = []) {
        let mine = held.withLock { $0.remove(missionID) } != nil
        guard mine || !claims.isEmpty else { return }
        batch.withLock { batch in
            if mine { batch.releases.append(missionID) }
            batch.claimsLetGo += claims.map { ($0, missionID) }
        }
        batch.wakeAll(\.waiters)
    }

    /// Runs the claims and releases that wait, a turn at a time, until cancelled; then answers
    /// the claims left with an error (their missions stay queued).
    public func run() async {
        while !Task.isCancelled {
            let (claims, releases, letGo) = batch.withLock { batch in
                defer { batch.claims = []; batch.releases = []; batch.claimsLetGo = [] }
                return (batch.claims, batch.releases, batch.claimsLetGo)
            }
            if claims.isEmpty && releases.isEmpty && letGo.isEmpty {
                await batch.wait(in: \.waiters) { !$0.isEmpty }
                continue
            }
            if !releases.isEmpty || !letGo.isEmpty {
                do throws(PostgresError) {
                    _ = try await batchPool.withConnection { connection throws(PostgresError) in
                        try await connection.query("""
                            WITH gone AS (DELETE FROM mission_lease WHERE node_id = $1 AND mission_id = ANY(string_to_array($2, E'\\n')))
                            DELETE FROM log_claim WHERE (claim, holder) IN (SELECT * FROM unnest(string_to_array($3, E'\\n'), string_to_array($4, E'\\n')))
                            """, [nodeID, releases.joined(separator: "\n"), letGo.map(\.0).joined(separator: "\n"), letGo.map(\.1).joined(separator: "\n")])
                    }
                } catch {
                    // Leases run out by themselves within a lease; a claim left behind is let go
                    // by the next request that meets it (its mission has ended).
                }
            }
            if !claims.isEmpty { await take(claims) }
        }
        let left = batch.withLock { batch in
            batch.running = false
            defer { batch.claims = [] }
            return batch.claims
        }
        for claim in left { claim.continuation.resume(returning: .failure(.connection("the node is stopping"))) }
    }

    /// One statement for all `claims`, then the log's head in a statement of its own, so a
    /// snapshot taken after the claims: it sees every record committed before a previous
    /// holder let go.
    private func take(_ claims: [(missionID: String, continuation: CheckedContinuation<Result<Claim, PostgresError>, Never>)]) async {
        let ids = claims.map(\.missionID)
        let answer: Result<(Set<String>, [String: String], Int), PostgresError>
        do throws(PostgresError) {
            answer = .success(try await batchPool.withConnection { connection throws(PostgresError) in
                let rows = try await connection.query("""
                    WITH wanted AS (SELECT DISTINCT unnest(string_to_array($1, E'\\n')) AS mission_id),
                    taken AS (
                        INSERT INTO mission_lease (mission_id, node_id, expires_at)
                        SELECT mission_id, $2, now() + $3::float8 * interval '1 second' FROM wanted
                        ON CONFLICT (mission_id) DO UPDATE SET node_id = excluded.node_id, expires_at = excluded.expires_at
                        WHERE mission_lease.node_id = excluded.node_id OR mission_lease.expires_at < now()
                        RETURNING mission_id
                    )
                    SELECT w.mission_id, t.mission_id IS NOT NULL, l.node_id
                    FROM wanted w LEFT JOIN taken t USING (mission_id) LEFT JOIN mission_lease l USING (mission_id)
                    """, [ids.joined(separator: "\n"), nodeID, seconds]).rows
                let head = try await connection.query("SELECT last_seq FROM log_head WHERE log = 'missions'").scalar
                var taken = Set<String>(), holders: [String: String] = [:]
                for row in rows {
                    guard let id = row[0] else { continue }
                    if row[1] == "t" { taken.insert(id) } else { holders[id] = row[2] ?? "another node" }
                }
                return (taken, holders, head.flatMap { Int($0) } ?? 0)
            })
        } catch {
            answer = .failure(error)
        }
        switch answer {
        case .failure(let error):
            for claim in claims { claim.continuation.resume(returning: .failure(error)) }
        case .success(let (taken, holders, head)):
            held.withLock { $0.formUnion(taken) }
            for claim in claims {
                claim.continuation.resume(returning: .success(taken.contains(claim.missionID)
                    ? .granted(head: head) : .heldBy(holders[claim.missionID] ?? "another node")))
            }
        }
    }

    /// Lets go of every lease this node holds: at shutdown, once its attempts were handed back
    /// (a mission waiting here for a retry is then taken by another node at once).
    public func releaseAll() async throws(PostgresError) {
        held.withLock { $0.removeAll() }
        _ = try await pool.withConnection { connection throws(PostgresError) in
            try await connection.query("DELETE FROM mission_lease WHERE node_id = $1", [nodeID])
        }
    }

    /// Renews every lease this node holds; returns the missions whose lease it no longer holds
    /// (taken by another node after its time ran out), which it must stop running.
    public func renew() async throws(PostgresError) -> Set<String> {
        let mine = held.withLock { $0 }
        guard !mine.isEmpty else { return [] }
        let renewed = try await pool.withConnection { connection throws(PostgresError) in
            try await connection.query("""
                UPDATE mission_lease SET expires_at = now() + $2::float8 * interval '1 second'
                WHERE node_id = $1 RETURNING mission_id
                """, [nodeID, seconds]).rows.compactMap { $0.first ?? nil }
        }
        let lost = mine.subtracting(renewed)
        held.withLock { $0.subtract(lost) }
        return lost
    }

    /// Missions whose holder's time ran out: their node stopped renewing (it crashed or lost
    /// the store), so another node should take them.
    public func expired() async throws(PostgresError) -> [String] {
        try await pool.withConnection { connection throws(PostgresError) in
            try await connection.query("SELECT mission_id FROM mission_lease WHERE expires_at < now() AND node_id <> $1 ORDER BY expires_at LIMIT 1000",
                                       [nodeID]).rows.compactMap { $0.first ?? nil }
        }
    }

    public func close() {
        pool.close()
        batchPool.close()
    }
}
