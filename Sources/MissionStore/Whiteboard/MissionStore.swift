import MissionModel
/// The missions log and its materialised view: typed appends, whiteboards, history. Mission
/// events are encoded here, above the log, which only sees records (`RecordLog`).
public final class MissionStore: Sendable {
    public let log: any RecordLog
    /// The same log when it is a data directory's `missions.jsonl`: for what only a file has
    /// (checkpoints, the report of its opening).
    public let file: JSONLLog?
    public let board: MissionBoard
    /// Every record of the missions log belongs to the mission it names here.
    public static let keyField = "mission_id"

    /// A store over `log`, whose every commit must already be folded into `board` (the log
    /// calls `board.apply` before a commit becomes visible).
    public init(log: any RecordLog, board: MissionBoard) {
        self.log = log
        self.file = log as? JSONLLog
        self.board = board
    }

    /// Opens `missions.jsonl` at `path`, folding it into a fresh board (or onto `restored`, a
    /// board loaded from a checkpoint that covers the log up to `trusted`).
    public convenience init(path: String, mode: JSONLLog.Mode = .readWrite, limits: JSONLLog.Limits = .init(), restored: MissionBoard? = nil,
                            trusted: JSONLLog.TrustedPrefix? = nil) throws {
        let board = restored ?? MissionBoard()
        let log = try JSONLLog(path: path, mode: mode, limits: limits, keyField: Self.keyField, trusted: trusted,
                               replay: { seq, record in board.apply(seq: seq, record: record) },
                               onCommit: { entries in board.apply(entries) })
        self.init(log: log, board: board)
    }

    /// Appends `events` as one durable batch; returns them with their seqs. The board already
    /// reflects them when this returns.
    /// `claims` go with the first event (see `LogRecord.claims`).
    @discardableResult
    public func append(_ events: [MissionEvent], claims: [String] = []) async throws -> [MissionEvent] {
        var records = events.map(LogRecord.init)
        if !claims.isEmpty, !records.isEmpty { records[0].claims = claims }
        let entries = try await log.append(records)
        return zip(events, entries).map { event, entry in
            var stored = event
            stored.seq = entry.seq
            return stored
        }
    }

    /// Queues `events` for the next group commit without waiting for their sync: for records
    /// that a later awaited append makes durable (the log is written in order) before anyone
    /// is told. Waits only while more than a batch is queued, so a chatty tool cannot grow
    /// the queue without bound.
    /// Returns the seq of the last one.
    @discardableResult
    public func enqueue(_ events: [MissionEvent]) async throws -> LogTicket {
        let ticket = try log.enqueue(events.map(LogRecord.init))
        if log.queuedBytes > log.maxBatchBytes { await log.flush() }
        return ticket
    }

    /// Appends a record that concerns no mission (the queue's or a schedule's, CONTRACT §9);
    /// durable on return.
    public func record(_ record: LogRecord) async throws {
        _ = try await log.append([record])
    }

    public func whiteboard(_ missionID: String) -> Whiteboard? {
        board.whiteboard(missionID)
    }

    /// The whiteboard as it stood after record `seq`, folded from that mission's own records
    /// only (its timeline is the per-mission index). Nil if the mission did not exist yet.
    nonisolated(nonsending) public func whiteboard(_ missionID: String, atSeq seq: Int) async throws -> Whiteboard? {
        guard let current = board.whiteboard(missionID) else { return nil }
        if seq >= current.lastSeq { return current }
        let seqs = current.timeline.lazy.map(\.seq).filter { $0 <= seq }
        guard !seqs.isEmpty else { return nil }
        var folded = Whiteboard(missionID: missionID)
        for entry in try await log.entries(at: Array(seqs)) {
            WhiteboardReducer.reduce(into: &folded, try MissionEvent(record: entry.record(), seq: entry.seq))
        }
        return folded
    }

    /// The mission's stored records with seq > `since`, exactly as written.
    nonisolated(nonsending) public func events(of missionID: String, since: Int = 0) async throws -> [LogEntry]? {
        guard let current = board.whiteboard(missionID) else { return nil }
        return try await log.entries(at: current.timeline.map(\.seq).filter { $0 > since })
    }

    public func close() async {
        await log.close()
    }
}

extension MissionStore {
    /// A mission's claims (`LogRecord.claims`) in a store shared by several nodes: its dedup
    /// key while it is queued or running, its idempotency key for good.
    public static let dedupClaim = "dedup:"
    public static let idempotencyClaim = "idempotency:"

    /// The idempotency key first: a request refused for both is a repeat (answered as the
    /// first was), not a duplicate.
    public static func claims(of created: MissionCreated) -> [String] {
        (created.idempotencyKey.map { [idempotencyClaim + $0] } ?? []) + [dedupClaim + created.dedupKey]
    }

    /// Waits for `missionID` to reach a terminal state, following the log from `seq`; nil if
    /// `limit` passes first.
    public func waitUntilTerminal(_ missionID: String, after seq: Int, limit: Duration) async -> Whiteboard? {
        if let board = whiteboard(missionID), board.status.isTerminal { return board }
        return await withTimeout(limit) {
            do {
                for try await entry in self.log.follow(after: seq) where entry.missionID == missionID {
                    if let board = self.whiteboard(missionID), board.status.isTerminal { return board }
                }
            } catch {
                return nil
            }
            return nil
        }
    }
}
