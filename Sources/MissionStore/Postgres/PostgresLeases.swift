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
        pool = PostgresPool(conninfo: conninfo, size: 2, loop: loop)
    }

    private var seconds: String { String(Double(duration.nanoseconds) / 1e9) }

    /// Takes the lease on `missionID` if nobody holds it, its holder's time ran out, or this
    /// node holds it already (then it is renewed).
    public func claim(_ missionID: String) async throws(PostgresError) -> Claim {
        let (taken, holder, head) = try await pool.withConnection { connection throws(PostgresError) in
            let claim = try await connection.query("""
                WITH taken AS (
                    INSERT INTO mission_lease (mission_id, node_id, expires_at)
                    VALUES ($1, $2, now() + $3::float8 * interval '1 second')
                    ON CONFLICT (mission_id) DO UPDATE SET node_id = excluded.node_id, expires_at = excluded.expires_at
                    WHERE mission_lease.node_id = excluded.node_id OR mission_lease.expires_at < now()
                    RETURNING 1
                )
                SELECT (SELECT count(*) FROM taken), (SELECT node_id FROM mission_lease WHERE mission_id = $1)
                """, [missionID, nodeID, seconds]).rows.first
            // A statement of its own, so a snapshot taken after the claim: it sees every record
            // committed before the previous holder let go.
            let head = try await connection.query("SELECT last_seq FROM log_head WHERE log = 'missions'").scalar
            return (claim?[0] == "1", claim?[1] ?? nil, head.flatMap { Int($0) } ?? 0)
        }
        guard taken else { return .heldBy(holder ?? "another node") }
        held.withLock { _ = $0.insert(missionID) }
        return .granted(head: head)
    }

    /// Lets go of `missionID` (its records say it ended or went back to the queue): another
    /// node may take it at once. Nothing if this node does not hold it.
    public func release(_ missionID: String) async throws(PostgresError) {
        guard held.withLock({ $0.remove(missionID) }) != nil else { return }
        _ = try await pool.withConnection { connection throws(PostgresError) in
            try await connection.query("DELETE FROM mission_lease WHERE mission_id = $1 AND node_id = $2", [missionID, nodeID])
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
    }
}
