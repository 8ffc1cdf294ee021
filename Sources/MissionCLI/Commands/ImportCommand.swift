import Foundation
import MissionModel
import MissionNet
import MissionService
import MissionStore

/// `mission import --data DIR --store URL`: copies an embedded data directory's two logs into
/// an empty cluster store (CONTRACT §8), every record at its seq, with the missions' claims, in
/// one transaction.
enum ImportCommand {
    static func execute(_ context: CommandContext) async throws -> Int32 {
        let url = try context.storeURL()
        let directory = try context.existingDirectory()
        // Nobody may write the directory meanwhile.
        let lock = try directory.lock()
        defer { lock.release() }
        let loop = try EventLoop()
        defer { loop.stop() }
        let connection = try await PostgresConnection.connect(url, loop: loop)
        defer { connection.close() }
        try await PostgresSchema.migrate(connection)
        try await connection.execute("BEGIN")
        do {
            let heads = try await connection.query("SELECT log || '=' || last_seq FROM log_head WHERE last_seq > 0 FOR UPDATE").rows
            guard heads.isEmpty else {
                throw CommandFailure("\(StoreURL.redacted(url)) holds records already (\(heads.compactMap { $0.first ?? nil }.joined(separator: ", "))); import only into an empty store")
            }
            let board = MissionBoard()
            let missions = try await copy(directory.missionsPath, into: .missions, on: connection) { board.apply($0) }
            let signals = try await copy(directory.signalsPath, into: .signals, on: connection) { _ in }
            let claims = board.all().flatMap { mission -> [(String, String)] in
                var claims: [(String, String)] = []
                if let key = mission.idempotencyKey { claims.append((MissionStore.idempotencyClaim + key, mission.missionID)) }
                if let key = mission.dedupKey, !mission.status.isTerminal { claims.append((MissionStore.dedupClaim + key, mission.missionID)) }
                return claims
            }
            try await connection.query("""
                INSERT INTO log_claim (claim, holder) SELECT c, h FROM unnest(string_to_array($1, E'\\n'), string_to_array($2, E'\\n')) AS r(c, h)
                ON CONFLICT (claim) DO NOTHING
                """, [claims.map(\.0).joined(separator: "\n"), claims.map(\.1).joined(separator: "\n")])
            try await connection.execute("COMMIT")
            if context.json {
                Console.out(JSONWriter.string(.object(["missions_records": .int(missions), "signals_records": .int(signals), "claims": .int(claims.count)])))
            } else {
                Console.out("\(directory.path) → \(StoreURL.redacted(url)): \(missions) mission records, \(signals) signal records, \(claims.count) claims")
            }
            return ExitStatus.success
        } catch {
            _ = try? await connection.execute("ROLLBACK")
            throw error
        }
    }

    static let page = 5000

    /// Copies the log at `path` (if there is one) into `table`, a page at a time; each page is
    /// also handed to `fold`. Returns how many records.
    private static func copy(_ path: String, into table: PostgresLog.Table, on connection: PostgresConnection,
                             fold: ([LogEntry]) -> Void) async throws -> Int {
        guard FileManager.default.fileExists(atPath: path) else { return 0 }
        let log = try JSONLLog(path: path, mode: .readOnly, keyField: MissionStore.keyField)
        defer { log.closeNow() }
        guard log.openReport.tornBytes == 0 else {
            throw CommandFailure("\(path) ends with a torn line: `mission verify --repair --data DIR` sets it aside first")
        }
        var cursor = 0
        while true {
            let entries = try log.entries(after: cursor, limit: page)
            guard let last = entries.last else { break }
            fold(entries)
            try await connection.query("""
                INSERT INTO \(table.rawValue) (seq, mission_id, line)
                SELECT r.seq::bigint, nullif(r.key, ''), r.line
                FROM unnest(string_to_array($1, ','), string_to_array($2, E'\\n'), string_to_array($3, E'\\n')) AS r(seq, key, line)
                """, [entries.map { String($0.seq) }.joined(separator: ","), entries.map { $0.key ?? "" }.joined(separator: "\n"),
                      entries.map(\.text).joined(separator: "\n")])
            cursor = last.seq
        }
        try await connection.query("UPDATE log_head SET last_seq = $2::bigint WHERE log = $1", [table == .missions ? "missions" : "signals", String(cursor)])
        return cursor
    }
}
