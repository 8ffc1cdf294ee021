import MissionModel
import Dispatch
import Glibc

extension JSONLLog {
    /// How often a held batch is written again while the disk is full.
    static let fullRetryInterval: Duration = .seconds(1)

    public var storage: LogStorage {
        state.withLock { state in
            if let failure = state.failure {
                if case .full = failure { return .full }
                return .failed(failure.description)
            }
            return state.full ? .full : .ok
        }
    }

    /// Throws when the log cannot take a new record now: for requests that should be refused
    /// at once rather than wait for a full disk (new missions), while the records of work
    /// already under way wait their turn.
    public func requireSpace() throws(LogError) {
        guard troubled.load(ordering: .acquiring) else { return }
        switch storage {
        case .ok: return
        case .full: throw .full(path: path)
        case .failed(let reason), .unavailable(let reason): throw .failed(path: path, reason: reason)
        }
    }

    /// Where the log says that its disk filled up and that space is back.
    public func reportStorage(to report: @escaping @Sendable (String) -> Void) {
        state.withLock { $0.storageReport = report }
    }

    /// After ENOSPC: cuts the file back to its last committed line (the failed write was never
    /// acknowledged), marks the log full, and waits the retry interval or until a close.
    /// True: write the batch again; false: the log is closing, give the batch up.
    func waitForSpace() -> Bool {
        let (endOffset, first, report) = state.withLock { state in
            defer {
                state.full = true
                troubled.store(true, ordering: .releasing)
            }
            return (state.endOffset, !state.full, state.storageReport)
        }
        try? segments.truncate(to: endOffset)
        if first { report?("\(path): the disk is full; records wait (new missions get 507) and the write is retried every second") }
        let closing = state.withLock { state in
            if !state.closed && !state.givingUp { state.writer = .waitingForSpace }
            return state.closed || state.givingUp
        }
        if closing { return false }
        _ = wakeWriter.wait(timeout: .now() + .nanoseconds(Self.fullRetryInterval.nanoseconds))
        return state.withLock { state in
            state.writer = .busy
            return !state.closed && !state.givingUp
        }
    }

    /// For a shutdown whose grace is over: a batch held for disk space, and whatever waits
    /// behind it, is given up now (none of it was acknowledged) and the log takes no more.
    public func abandonWritesWaitingForSpace() {
        let wake = state.withLock { state in
            state.givingUp = true
            guard state.writer == .waitingForSpace else { return false }
            state.writer = .busy
            return true
        }
        if wake { wakeWriter.signal() }
    }

    func spaceIsBack() {
        let report = state.withLock { state in
            state.full = false
            if state.failure == nil { troubled.store(false, ordering: .releasing) }
            return state.storageReport
        }
        report?("\(path): space is back; records are written again")
    }

    // MARK: Retention

    /// The sealed segments, oldest first: each one's first seq and the seq after its last.
    public var sealedSegments: [(firstSeq: Int, endSeq: Int)] {
        let (sealed, activeFirst) = segments.state.withLock { ($0.sealed, $0.activeFirstSeq) }
        return sealed.enumerated().map { index, segment in
            (segment.firstSeq, index + 1 < sealed.count ? sealed[index + 1].firstSeq : activeFirst)
        }
    }

    /// Drops the oldest sealed segments whose records all come before `seq` (CONTRACT §10),
    /// deleting them or moving them into `archive`; never the newest sealed one. Readers that
    /// asked for a dropped seq get nothing from before the new first seq. Returns how many went.
    @discardableResult
    public func dropSegments(before seq: Int, archive: String?) throws -> Int {
        let count = sealedSegments.prefix { $0.endSeq <= seq }.count
        guard count > 0 else { return 0 }
        if let archive {
            guard mkdir(archive, 0o755) == 0 || errno == EEXIST else { throw LogError.io(path: archive, operation: "mkdir", errno: errno) }
        }
        defer {
            // What went, even if a later one failed: the seqs before the first kept one are gone.
            let first = segments.firstSeq
            state.withLock { state in
                guard first > state.firstSeq else { return }
                state.offsets.removeFirst(min(first - state.firstSeq, state.offsets.count))
                state.firstSeq = first
            }
        }
        return try segments.dropOldest(count, archive: archive)
    }

    /// Drops the oldest sealed segments whose last record is older than `time` (learning
    /// signals, which age with the missions log). Returns how many went.
    @discardableResult
    public func dropSegments(endingBefore time: Timestamp, archive: String?) throws -> Int {
        var before = 0
        for segment in sealedSegments.dropLast() {
            guard let last = try entries(after: segment.endSeq - 2, limit: 1).first, let stamp = Self.timestamp(of: last.line), stamp < time else { break }
            before = segment.endSeq
        }
        return before > 0 ? try dropSegments(before: before, archive: archive) : 0
    }
}
