import MissionModel
import Glibc

extension JSONLLog {
    /// Committed entries with seq > `seq`, at most `limit`, in order. Recent ones come from
    /// memory, older ones are read back from the file by offset; nothing scans the log.
    public func entries(after seq: Int, limit: Int = defaultReadLimit) throws -> [LogEntry] {
        let plan: ReadPlan = state.withLock { state in
            // Before the oldest kept seq there is nothing to read (callers say so: 410 gone).
            let first = max(seq + 1, state.firstSeq)
            let last = min(state.committedSeq, max(seq, first - 1) + limit)
            guard first <= last else { return .empty }
            if let recentFirst = state.recent.firstSeq, first >= recentFirst {
                return .memory(state.recent.entries(first...last))
            }
            let base = state.firstSeq
            let end = last - base + 1 < state.offsets.count ? state.offsets[last - base + 1] : state.endOffset
            return .file(first: first, offsets: Array(state.offsets[(first - base)...(last - base)]) + [end])
        }
        switch plan {
        case .empty: return []
        case .memory(let entries): return entries
        case .file(let first, let offsets): return try readLines(firstSeq: first, offsets: offsets)
        }
    }

    /// The committed entries with the given seqs (ascending), e.g. one mission's records.
    public func entries(at seqs: [Int]) throws -> [LogEntry] {
        var result: [LogEntry] = []
        result.reserveCapacity(seqs.count)
        for seq in seqs {
            if let entry = try entries(after: seq - 1, limit: 1).first { result.append(entry) }
        }
        return result
    }

    private enum ReadPlan {
        case empty
        case memory([LogEntry])
        case file(first: Int, offsets: [Int])
    }

    private func readLines(firstSeq: Int, offsets: [Int]) throws -> [LogEntry] {
        let bytes = try segments.read(at: offsets[0], count: offsets.last! - offsets[0])
        var entries: [LogEntry] = []
        entries.reserveCapacity(offsets.count - 1)
        try bytes.withUnsafeBufferPointer { all in
            for index in 0..<(offsets.count - 1) {
                let start = offsets[index] - offsets[0]
                let end = offsets[index + 1] - offsets[0] - 1
                let line = UnsafeBufferPointer(rebasing: all[start..<end])
                let seq = firstSeq + index
                let record = try Self.parseLine(line, lineNumber: seq, path: path)
                entries.append(LogEntry(seq: seq, line: Array(line), key: keyField.flatMap { record[$0]?.stringValue },
                                        record: record["seq"] == nil ? record.prepending("seq", .int(seq)) : record))
            }
        }
        return entries
    }

    /// What a checkpoint covering records 1...seq must record to be checked on open.
    func trustedPrefix(through seq: Int) throws -> TrustedPrefix? {
        guard let entry = try entries(after: seq - 1, limit: 1).first else { return nil }
        // Offsets run from the first kept line, which retention may move between two looks.
        return state.withLock { state in
            let count = seq - state.firstSeq + 1
            guard count > 0, count <= state.offsets.count else { return nil }
            // Reopened, the first kept file starts at offset 0.
            let base = state.offsets[0]
            let length = count < state.offsets.count ? state.offsets[count] : state.endOffset
            return TrustedPrefix(seq: seq, length: length - base, lineHash: LineHash.of(entry.line), firstSeq: state.firstSeq,
                                 offsets: state.offsets[0..<count].map { $0 - base })
        }
    }

    // MARK: Following

    /// Waits until a record after `seq` is committed: true then; false if the log closed or
    /// failed, or the task was cancelled first.
    public func waitForCommit(of ticket: LogTicket) async -> Bool {
        await waitForCommit(after: ticket.position - 1)
    }

    public func waitForCommit(after seq: Int) async -> Bool {
        let id = state.withLock { state -> UInt64? in
            if state.committedSeq > seq { return nil }
            state.nextWaiterID += 1
            return state.nextWaiterID
        }
        // Already on disk (the common case for a caller that lags the writer): no waiter.
        guard let id else { return true }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ready = state.withLock { state in
                    // Cancellation is checked inside the lock: the flag is set before onCancel
                    // runs, so either onCancel finds this waiter or this check sees the flag.
                    if state.committedSeq > seq || state.isFinished || state.failure != nil || Task.isCancelled { return true }
                    state.waiters[id] = (seq, continuation)
                    return false
                }
                if ready { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.continuation.resume()
        }
        return state.withLock { $0.committedSeq > seq }
    }

    // MARK: Read-only refresh

    /// For a read-only log another process appends to: indexes lines written since the last
    /// look and wakes followers. A line still being written is left for the next call.
    @discardableResult
    public func refresh() throws -> Int {
        guard mode == .readOnly else { return 0 }
        var added = try indexNewLines()
        // The writer sealed the file this reader had open: what it holds is read to its end
        // (the writer seals only after a commit), then the new active file is followed.
        if segments.activeWasSealed() {
            added += try indexNewLines()
            let (end, next) = state.withLock { ($0.endOffset, $0.committedSeq + 1) }
            try segments.adoptSealed(end: end, nextSeq: next)
            added += try indexNewLines()
            segments.setActiveFirstSeq(state.withLock { state in
                state.firstSeq + Self.lineIndex(atOrAfter: segments.activeStart, in: state.offsets)
            })
        }
        return added
    }

    private func indexNewLines() throws -> Int {
        let (start, firstLine) = state.withLock { ($0.endOffset, $0.committedSeq + 1) }
        var offsets: [Int] = []
        let scan = try LogScanner.scan(segments, from: start, firstLine: firstLine) { lineNumber, offset, bytes in
            _ = try Self.parseLine(bytes, lineNumber: lineNumber, path: path)
            offsets.append(offset)
        }
        guard !offsets.isEmpty else { return 0 }
        let waiters = state.withLock { state in
            state.offsets.append(contentsOf: offsets)
            state.endOffset = scan.validLength
            state.committedSeq += offsets.count
            state.nextSeq = state.committedSeq + 1
            return state.takeWaiters()
        }
        waiters.forEach { $0.resume() }
        return offsets.count
    }
}

/// The records of a log from a seq on, then live. Pull-based, so a slow consumer is never
/// sent a gap: it reads what it missed from memory or the file when it asks again.
public struct LogFollower: AsyncSequence, Sendable {
    public typealias Element = LogEntry
    let log: any RecordLog
    let after: Int

    public func makeAsyncIterator() -> Iterator {
        Iterator(log: log, cursor: after)
    }

    public struct Iterator: AsyncIteratorProtocol {
        let log: any RecordLog
        var cursor: Int
        var buffer: [LogEntry] = []
        var index = 0

        init(log: any RecordLog, cursor: Int) {
            self.log = log
            self.cursor = cursor
        }

        public mutating func next() async throws -> LogEntry? {
            while true {
                if index < buffer.count {
                    defer { index += 1 }
                    cursor = buffer[index].seq
                    return buffer[index]
                }
                if Task.isCancelled { return nil }
                buffer = try await log.entries(after: cursor, limit: 256)
                index = 0
                if buffer.isEmpty, await !log.waitForCommit(after: cursor) { return nil }
            }
        }
    }
}
