/// The tables of the PostgreSQL store, by version. A node migrates on start (as does
/// `mission migrate`): it applies, in one transaction under an advisory lock (so that nodes
/// starting together take turns), every migration after the version the store records. A store
/// at a version newer than this build knows is refused: its tables mean things this build
/// would get wrong.
public enum PostgresSchema {
    /// Migration i takes the schema from version i to i + 1. Never edit one that shipped: add.
    static let migrations: [String] = [
        // 1: the two logs of CONTRACT §2, each line as written, and the head of each log. The
        // head row is the counter that gives seqs: a transaction that appends holds its row lock
        // until it commits, so seqs are given in commit order, with no gap (a sequence would
        // give them in start order, and a rollback would leave a gap).
        """
        CREATE TABLE mission_log (
            seq bigint PRIMARY KEY,
            mission_id text,
            line text NOT NULL
        );
        CREATE INDEX mission_log_by_mission ON mission_log (mission_id, seq);
        CREATE TABLE signal_log (
            seq bigint PRIMARY KEY,
            mission_id text,
            line text NOT NULL
        );
        CREATE TABLE log_head (
            log text PRIMARY KEY,
            last_seq bigint NOT NULL
        );
        INSERT INTO log_head (log, last_seq) VALUES ('missions', 0), ('signals', 0);
        """,
        // 2: leases (CONTRACT §8): the node running a mission holds its row and renews it;
        // a row whose time ran out may be taken by another node. Times are the database's.
        """
        CREATE TABLE mission_lease (
            mission_id text PRIMARY KEY,
            node_id text NOT NULL,
            expires_at timestamptz NOT NULL
        );
        CREATE INDEX mission_lease_by_node ON mission_lease (node_id);
        """,
        // 3: claims (LogRecord.claims): a name (a dedup key, an idempotency key) held by one
        // key of a log at a time, taken in the transaction that appends its records.
        """
        CREATE TABLE log_claim (
            claim text PRIMARY KEY,
            holder text NOT NULL
        );
        CREATE INDEX log_claim_by_holder ON log_claim (holder);
        """,
    ]

    /// The version this build creates and runs on.
    public static var currentVersion: Int { migrations.count }

    /// Taken (for the transaction) by every migration, so that two nodes never migrate at once.
    static let advisoryLock = "7309251613462108513"

    public enum Outcome: Sendable, Equatable, CustomStringConvertible {
        case created(version: Int)
        case migrated(from: Int, to: Int)
        case current(version: Int)

        public var description: String {
            switch self {
            case .created(let version): return "schema created at version \(version)"
            case .migrated(let from, let to): return "schema migrated from version \(from) to \(to)"
            case .current(let version): return "schema already at version \(version)"
            }
        }
    }

    /// For a command that only reads: throws `.schema` unless the store's schema is the one
    /// this build knows (it never creates or migrates it).
    public static func check(_ connection: PostgresConnection) async throws(PostgresError) {
        let found: Int
        do throws(PostgresError) {
            found = Int(try await connection.query("SELECT coalesce(max(version), 0) FROM mission_schema").scalar ?? "0") ?? 0
        } catch where error.sqlstate == "42P01" {
            throw .schema("the store holds no missions yet (no mission schema): start a node on it, or run `mission migrate --store URL`")
        }
        if found > currentVersion {
            throw .schema("the store's schema is at version \(found), newer than this build of mission knows (up to \(currentVersion)): run a newer mission")
        }
        if found < currentVersion {
            throw .schema("the store's schema is at version \(found), older than this build's \(currentVersion): run `mission migrate --store URL` (or start a node) first")
        }
    }

    /// Brings the store's schema to `currentVersion`, or throws `.schema` if it is newer.
    @discardableResult
    public static func migrate(_ connection: PostgresConnection) async throws(PostgresError) -> Outcome {
        try await connection.execute("""
            BEGIN;
            SET LOCAL client_min_messages = warning;
            SELECT pg_advisory_xact_lock(\(advisoryLock));
            CREATE TABLE IF NOT EXISTS mission_schema (
                version integer PRIMARY KEY,
                migrated_at timestamptz NOT NULL DEFAULT now()
            );
            """)
        do throws(PostgresError) {
            let found = Int(try await connection.query("SELECT coalesce(max(version), 0) FROM mission_schema").scalar ?? "0") ?? 0
            if found > currentVersion {
                throw PostgresError.schema("the store's schema is at version \(found), newer than this build of mission knows "
                    + "(up to \(currentVersion)): run a newer mission, or point this one at another store")
            }
            for version in found..<currentVersion {
                try await connection.execute(migrations[version])
                try await connection.query("INSERT INTO mission_schema (version) VALUES ($1)", [String(version + 1)])
            }
            try await connection.execute("COMMIT")
            if found == currentVersion { return .current(version: found) }
            return found == 0 ? .created(version: currentVersion) : .migrated(from: found, to: currentVersion)
        } catch {
            // On a lost connection the server rolls back by itself; otherwise say so here.
            _ = try? await connection.execute("ROLLBACK")
            throw error
        }
    }
}
