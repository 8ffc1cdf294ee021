import MissionModel
/// The store seam: an append-only log of records, each numbered by `seq` (1, 2, 3, … with no
/// gap, in commit order), that any number of tasks append to and follow. The JSON Lines log of
/// one data directory implements it; a store shared by several nodes implements it the same
/// way. Everything above the store sees only this: records arrive encoded (`LogRecord`), and
/// committed ones come back as `LogEntry`s with their exact bytes.
///
/// Rules every implementation keeps:
/// - `append` returns only once its records are durable, and the records of one call get
///   consecutive seqs and are committed together;
/// - a record is visible to readers (`entries`, `follow`, `waitForCommit`) only once committed,
///   and never before every smaller seq is;
/// - `enqueue`d records are committed in order with the appended ones, by a later commit.
public protocol RecordLog: AnyObject, Sendable {
    /// The seq of the last committed record (0 for an empty log).
    var lastSeq: Int { get }

    /// The first seq that can still be read (CONTRACT §10): 1 until retention drops history.
    var firstSeq: Int { get }

    /// Appends `records` in one batch with consecutive seqs; returns once all are durable.
    func append(_ records: [LogRecord]) async throws -> [LogEntry]

    /// Queues `records` for a later commit and returns at once, with a ticket to wait for
    /// that commit: a store shared by several nodes gives seqs only as it commits.
    func enqueue(_ records: [LogRecord]) throws -> LogTicket

    /// Bytes queued and not yet taken into a commit; past `maxBatchBytes`, callers `flush`.
    var queuedBytes: Int { get }
    var maxBatchBytes: Int { get }

    /// Waits until every record appended or enqueued so far is committed.
    func flush() async

    /// Committed entries with seq > `seq`, at most `limit`, in order. Async: a store may have
    /// to ask its server.
    nonisolated(nonsending) func entries(after seq: Int, limit: Int) async throws -> [LogEntry]

    /// The committed entries with the given seqs (ascending).
    nonisolated(nonsending) func entries(at seqs: [Int]) async throws -> [LogEntry]

    /// Waits until a record after `seq` is committed: true then; false if the log closed or
    /// failed, or the task was cancelled first.
    func waitForCommit(after seq: Int) async -> Bool

    /// Waits until the records of `ticket` (and all enqueued before them) are committed: true
    /// then; false if the log closed or failed first.
    func waitForCommit(of ticket: LogTicket) async -> Bool

    /// Whether the log takes records now, and a throwing check of it for new work.
    var storage: LogStorage { get }
    func requireSpace() throws(LogError)
    /// Where the log reports its storage turning bad and good again.
    func reportStorage(to report: @escaping @Sendable (String) -> Void)
    /// For a shutdown whose grace is over: writes held back (never acknowledged) are given up.
    func abandonWritesWaitingForSpace()

    /// The key holding `claim` (`LogRecord.claims`); nil when nobody does.
    nonisolated(nonsending) func holder(of claim: String) async throws -> String?
    /// Lets go of `claims` that `key` holds (its records ended: a mission's dedup key once it is over).
    nonisolated(nonsending) func release(_ claims: [String], heldBy key: String) async throws

    /// Counters since open.
    var stats: LogStats { get }

    /// Stops taking records, commits what is queued, and ends followers.
    func close() async
    /// `close()` for synchronous code: blocks until drained.
    func closeNow()
}

extension RecordLog {
    /// A log that keeps everything.
    public var firstSeq: Int { 1 }

    /// A store with one writer keeps no claims: that writer keeps its keys unique itself.
    nonisolated(nonsending) public func holder(of claim: String) async throws -> String? { nil }

    nonisolated(nonsending) public func release(_ claims: [String], heldBy key: String) async throws {}

    /// Committed entries with seq > `seq`, a page of them.
    nonisolated(nonsending) public func entries(after seq: Int) async throws -> [LogEntry] {
        try await entries(after: seq, limit: Self.defaultReadLimit)
    }

    /// How many entries a read returns when the caller does not say.
    public static var defaultReadLimit: Int { 1024 }

    /// Every committed record with seq > `seq`, then each new one as it is committed, in order
    /// with no gap. Ends when the log closes or the consuming task is cancelled.
    public func follow(after seq: Int) -> LogFollower {
        LogFollower(log: self, after: seq)
    }
}

/// Where an `enqueue` stands in this process's order of submissions, to wait for its commit.
public struct LogTicket: Sendable, Hashable, Comparable {
    public var position: Int

    public init(position: Int) {
        self.position = position
    }

    public static func < (a: LogTicket, b: LogTicket) -> Bool { a.position < b.position }
}

/// Whether a log can take records now (CONTRACT §1, "when the disk refuses a write").
public enum LogStorage: Sendable, Equatable {
    case ok
    /// The disk is full: the writer holds its batch and writes it again about once a second;
    /// it resumes by itself once space is back.
    case full
    /// A write or sync failed otherwise (EIO): appends are refused until a restart.
    case failed(String)
    /// A shared store cannot be reached: new records are refused; the log reconnects by itself.
    case unavailable(String)
}

/// Counters since open: how well group commit batches (records per sync) and sync time.
public struct LogStats: Sendable, Equatable {
    public var records = 0
    public var syncs = 0
    public var syncNanoseconds: UInt64 = 0
    /// Each write + sync of a batch, in seconds.
    public var syncSeconds = Histogram(bounds: Histogram.syncSeconds)
}
