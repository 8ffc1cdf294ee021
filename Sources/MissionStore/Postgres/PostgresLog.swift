import MissionModel
import MissionNet

/// The store seam over PostgreSQL: one of the two logs (`mission_log`, `signal_log`) that every
/// node of a cluster shares, each node holding one of these per log.
///
/// - **Writing** is group commit, as in the JSON Lines log: a writer task takes everything
///   queued and commits it in one statement, which takes the log's seqs from its `log_head` row
///   (locked to the commit, so seqs are given in commit order across the cluster, with no gap),
///   inserts the rows, and notifies the other nodes.
/// - **Following**: a follower task `LISTEN`s; a notification only wakes it, the rows it reads
///   (`seq >` what this node has) are the log. Every committed record, this node's or another's,
///   reaches `onCommit` exactly once and in seq order before anyone here can read it, so the
///   view is current wherever a mission was written.
/// - An append returns once its records are committed *and* folded here (its own entries keep
///   the values they were appended with, so the fold decodes nothing).
public final class PostgresLog: RecordLog {
    public struct Limits: Sendable {
        public var maxRecordBytes = 4 << 20
        public var maxBatchBytes = 4 << 20
        /// The newest entries kept in memory, for live followers.
        public var recentEntries = 8192
        /// Connections for reads that miss memory.
        public var readConnections = 2
        /// Rows per read when catching up.
        public var readPage = 5000
        /// How long the follower waits for a notification before it reads the log anyway: a
        /// check that its connection still works, and a bound on a notification lost with it.
        public var followCheck: Duration = .seconds(5)
        /// The wait between tries to reach an unreachable store doubles from the first to the last.
        /// (Writes are refused meanwhile: the last bounds how long they are after the store is back.)
        public var reconnectDelay: ClosedRange<Duration> = .milliseconds(100) ... .seconds(2)
        public init() {}
    }

    /// Which log of the store.
    public enum Table: String, Sendable {
        case missions = "mission_log"
        case signals = "signal_log"

        /// Its row in `log_head`.
        var head: String { self == .missions ? "missions" : "signals" }
    }

    public let table: Table
    /// The connection string with any password hidden, for messages.
    public let redacted: String
    let conninfo: String
    let loop: EventLoop
    let limits: Limits
    let keyField: String?
    let onCommit: (@Sendable ([LogEntry]) -> Void)?
    let reads: PostgresPool
    let state: Locked<State>
    /// Held while a run of entries is folded and published, so that the writer and the
    /// follower (who both deliver) never interleave or reorder them.
    let delivery = Locked(())

    struct Pending {
        var records: [LogRecord]
        var bytes: Int
        var ticket: Int
        /// Nil for `enqueue`: nobody waits for this one.
        var continuation: CheckedContinuation<[LogEntry], any Error>?
    }

    struct State: NumbersWaiters {
        /// The last seq folded here and readable.
        var applied: Int
        var pending: [Pending] = []
        var pendingBytes = 0
        var lastTicket = 0
        /// Every submission up to this ticket is committed and folded (or, for an append, failed).
        var committedTicket = 0
        /// The writer, while it waits for records.
        var writerWaiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var closed = false
        /// Closed and drained: nothing will be committed through this node again.
        var finished = false
        /// Why the store cannot be reached, while it cannot.
        var unavailable: String?
        var storageReport: (@Sendable (String) -> Void)?
        var recent: RecentEntries
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var nextWaiter = 0
        var stats = LogStats()
        var tasks: [Task<Void, Never>] = []
        /// The server process of the writer's connection: its own commits' notifications are
        /// not a reason to read (the writer delivers those itself, keeping their values).
        var writerBackend: Int32 = 0
    }

    private init(table: Table, conninfo: String, loop: EventLoop, limits: Limits, keyField: String?, applied: Int,
                 recent: RecentEntries, onCommit: (@Sendable ([LogEntry]) -> Void)?) {
        self.table = table
        self.conninfo = conninfo
        self.redacted = StoreURL.redacted(conninfo)
        self.loop = loop
        self.limits = limits
        self.keyField = keyField
        self.onCommit = onCommit
        reads = PostgresPool(conninfo: conninfo, size: limits.readConnections, loop: loop)
        state = Locked(State(applied: applied, recent: recent))
    }

    /// Opens `table` of the store at `conninfo` (its schema must be current: see
    /// `PostgresSchema.migrate`). `replay` sees every record already in it, in order; `onCommit`
    /// every run committed later, by any node, before anyone here can read it.
    public static func open(_ conninfo: String, table: Table, loop: EventLoop, limits: Limits = Limits(), keyField: String? = nil,
                            replay: (_ seq: Int, _ record: JSONObject) throws -> Void = { _, _ in },
                            onCommit: (@Sendable ([LogEntry]) -> Void)? = nil) async throws -> PostgresLog {
        let writer = try await PostgresConnection.connect(conninfo, loop: loop)
        let follower: PostgresConnection
        do {
            follower = try await PostgresConnection.connect(conninfo, loop: loop)
        } catch {
            writer.close()
            throw error
        }
        var applied = 0
        var recent = RecentEntries(capacity: limits.recentEntries)
        let backend: Int32
        do {
            backend = try await writer.backendPID()
            // Listening before reading: a commit after the read is then never missed.
            try await follower.execute("LISTEN \(table.rawValue)")
            while true {
                let rows = try await follower.query(readSQL(table), [String(applied), String(limits.readPage)], timeout: .seconds(300))
                for row in rows.rows {
                    let entry = try entry(row, table: table)
                    try replay(entry.seq, try entry.record())
                    recent.append(entry)
                    applied = entry.seq
                }
                if rows.rows.count < limits.readPage { break }
            }
        } catch {
            writer.close()
            follower.close()
            throw error
        }
        let log = PostgresLog(table: table, conninfo: conninfo, loop: loop, limits: limits, keyField: keyField,
                              applied: applied, recent: recent, onCommit: onCommit)
        log.state.withLock { $0.writerBackend = backend }
        let tasks = [Task { await log.runWriter(writer) }, Task { await log.runFollower(follower) }]
        log.state.withLock { $0.tasks = tasks }
        return log
    }

    public static func readSQL(_ table: Table) -> String {
        "SELECT seq, mission_id, line FROM \(table.rawValue) WHERE seq > $1::bigint ORDER BY seq LIMIT $2::int"
    }

    /// A row of `readSQL` as an entry; its record is parsed when someone asks for it.
    static func entry(_ row: [String?], table: Table) throws(LogError) -> LogEntry {
        guard row.count == 3, let seq = row[0].flatMap({ Int($0) }), let line = row[2] else {
            throw .corruptLine(path: table.rawValue, line: 0, reason: "a row without seq or line")
        }
        return LogEntry(seq: seq, line: Array(line.utf8), key: row[1], kept: nil)
    }

    public var lastSeq: Int { state.withLock { $0.applied } }

    public var stats: LogStats { state.withLock { $0.stats } }

    /// Stops taking records, commits what is queued (if the store can be reached), and ends
    /// followers.
    public func close() async {
        let tasks = state.withLock { state in
            state.closed = true
            return state.tasks
        }
        state.wakeAll(\.writerWaiters)
        // The writer drains first; the follower then delivers what it committed.
        await tasks.first?.value
        tasks.dropFirst().forEach { $0.cancel() }
        for task in tasks.dropFirst() { await task.value }
        reads.close()
        let waiters = state.withLock { state in
            state.finished = true
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        waiters.forEach { $0.resume() }
    }

    /// `close()` for synchronous code: blocks until drained.
    public func closeNow() {
        let done = Handoff<Bool>()
        Task {
            await close()
            done.put(true)
        }
        _ = done.take()
    }
}
