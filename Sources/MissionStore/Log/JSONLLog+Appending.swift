import MissionModel
/// Appending: records get their seq under the log's lock and are queued for the writer;
/// `append` returns once they are synced, `enqueue` at once.
extension JSONLLog {
    /// Appends `record` (a `seq` it carries is dropped); returns once it is synced to disk.
    @discardableResult
    public func append(_ record: JSONObject) async throws -> LogEntry {
        try await append([record])[0]
    }

    /// Appends `records` with consecutive seqs in one batch; returns once all are synced.
    public func append(_ records: [JSONObject]) async throws -> [LogEntry] {
        try await append(records.map { LogRecord($0, keyField: keyField) })
    }

    public func append(_ records: [LogRecord]) async throws -> [LogEntry] {
        let records = try checked(records)
        return try await withCheckedThrowingContinuation { continuation in
            switch submit(records, continuation) {
            case .failure(let error): continuation.resume(throwing: error)
            case .success(let queued): if queued.wake { wakeWriter.signal() }
            }
        }
    }

    /// Queues `records` for the next group commit and returns at once with their seqs, without
    /// waiting for the sync: for records no client is told about (learning signals), so that an
    /// answer never waits on them. `close` still syncs them. Their entries keep only the line.
    @discardableResult
    public func enqueue(_ records: [JSONObject]) throws -> LogTicket {
        try enqueue(records.map { LogRecord($0, keyField: keyField, keep: false) })
    }

    /// The ticket is the last record's seq: here seqs are given as records are queued.
    @discardableResult
    public func enqueue(_ records: [LogRecord]) throws -> LogTicket {
        let records = try checked(records)
        switch submit(records, nil) {
        case .failure(let error):
            throw error
        case .success(let queued):
            if queued.wake { wakeWriter.signal() }
            return LogTicket(position: queued.lastSeq)
        }
    }

    /// Bytes queued for the writer and not yet taken into a batch.
    public var queuedBytes: Int { state.withLock { $0.pendingBytes } }

    public var maxBatchBytes: Int { limits.maxBatchBytes }

    /// Waits until every record appended or enqueued so far is synced.
    public func flush() async {
        let last = state.withLock { $0.nextSeq - 1 }
        if last > lastSeq { _ = await waitForCommit(after: last - 1) }
    }

    /// `records`, once the log takes appends and every record fits.
    func checked(_ records: [LogRecord]) throws(LogError) -> [LogRecord] {
        guard mode == .readWrite else { throw .readOnly(path: path) }
        for record in records where record.body.count > limits.maxRecordBytes {
            throw .recordTooLarge(path: path, bytes: record.body.count, limit: limits.maxRecordBytes)
        }
        return records
    }

    /// Assigns seqs and queues the lines for the writer: the last seq given, and whether the
    /// writer must be woken.
    func submit(_ records: [LogRecord], _ continuation: CheckedContinuation<[LogEntry], any Error>?) -> Result<(wake: Bool, lastSeq: Int), LogError> {
        state.withLock { state in
            if let failure = state.failure { return .failure(failure) }
            if state.closed { return .failure(.closed(path: path)) }
            var entries: [LogEntry] = []
            entries.reserveCapacity(records.count)
            var bytes = 0
            for record in records {
                let seq = state.nextSeq
                state.nextSeq += 1
                let entry = Self.makeEntry(seq: seq, record)
                bytes += entry.line.count + 1
                entries.append(entry)
            }
            state.pending.append(Pending(entries: entries, bytes: bytes, continuation: continuation))
            state.pendingBytes += bytes
            return .success((state.wakesWriter(waited: continuation != nil), state.nextSeq - 1))
        }
    }

    /// Splices `"seq":N` in front of an encoded record, so the line starts with its seq.
    static func makeEntry(seq: Int, _ record: LogRecord) -> LogEntry {
        let body = record.body
        var writer = JSONWriter(reserve: body.count + 24)
        writer.writeRaw(#"{"seq":"#)
        writer.writeInt(seq)
        var line = writer.bytes
        if body.count > 2 {
            line.append(UInt8(ascii: ","))
            line.append(contentsOf: body[1...])
        } else {
            line.append(UInt8(ascii: "}"))
        }
        return LogEntry(seq: seq, line: line, key: record.key, kept: record.value)
    }
}
