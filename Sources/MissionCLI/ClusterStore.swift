import MissionModel
import MissionNet
import MissionStore

/// A cluster store (`--store`) opened by a command that reads it: the loop its connections
/// wait on, checked to hold the schema this build knows; closed together.
final class ClusterStore: Sendable {
    let url: String
    let loop: EventLoop

    private init(url: String, loop: EventLoop) {
        self.url = url
        self.loop = loop
    }

    static func open(_ url: String) async throws -> ClusterStore {
        let loop = try EventLoop()
        do {
            let connection = try await PostgresConnection.connect(url, loop: loop)
            defer { connection.close() }
            try await PostgresSchema.check(connection)
        } catch {
            loop.stop()
            throw error
        }
        return ClusterStore(url: url, loop: loop)
    }

    /// The missions log folded into a view, as a node holds it.
    func missions() async throws -> MissionStore {
        let board = MissionBoard()
        let log = try await PostgresLog.open(url, table: .missions, loop: loop, keyField: MissionStore.keyField,
                                             replay: { seq, record in board.apply(seq: seq, record: record) },
                                             onCommit: { entries in board.apply(entries) })
        return MissionStore(log: log, board: board)
    }

    /// One log, unfolded.
    func log(_ table: PostgresLog.Table) async throws -> PostgresLog {
        var limits = PostgresLog.Limits()
        limits.recentEntries = 1
        return try await PostgresLog.open(url, table: table, loop: loop, limits: limits, keyField: MissionStore.keyField)
    }

    /// Every row of `table` in seq order, a page at a time (without holding the log in memory):
    /// its seq and line.
    func forEachRow(of table: PostgresLog.Table, _ body: (Int, String) throws -> Void) async throws {
        let connection = try await PostgresConnection.connect(url, loop: loop)
        defer { connection.close() }
        var after = 0
        while true {
            let rows = try await connection.query(PostgresLog.readSQL(table), [String(after), "5000"]).rows
            for row in rows {
                guard let seq = row[0].flatMap({ Int($0) }), let line = row[2] else { continue }
                try body(seq, line)
                after = seq
            }
            if rows.count < 5000 { return }
        }
    }

    /// The last seq `table` has given (its row in `log_head`).
    func head(of table: PostgresLog.Table) async throws -> Int {
        let connection = try await PostgresConnection.connect(url, loop: loop)
        defer { connection.close() }
        let head = try await connection.query("SELECT last_seq FROM log_head WHERE log = $1", [table == .missions ? "missions" : "signals"]).scalar
        return head.flatMap { Int($0) } ?? 0
    }

    func close() {
        loop.stop()
    }
}
