import MissionModel
/// Appending: records get their seq under the log's lock and are queued for the writer;
/// `append` returns once they are synced, `enqueue` at once.
extension JSONLLog {
    /// Appends `record` (which must not carry `seq`); returns once it is synced to disk.
    @discardableResult
    public func append(_ record: JSONObject) async throws -> LogEntry {
        try await append([record])[0]
    }

    /// Appends `records` with consecutive seqs in one batch; returns once all are synced.
    public func append(_ records: [JSONObject]) async throws -> [LogEntry] {
        try await append(prepared: try checked(records.map { Prepared($0) }))
    }

    /// Appends mission events in one batch; their entries keep the typed events.
    public func append(events: [MissionEvent]) async throws -> [LogEntry] {
        try await append(prepared: try checked(events.map { Prepared($0) }))
    }

    func append(prepared: [Prepared]) async throws -> [LogEntry] {
        try await withCheckedThrowingContinuation { continuation in
            switch submit(prepared, continuation) {
            case .failure(let error): continuation.resume(throwing: error)
            case .success(let queued): if queued.wake { wakeWriter.signal() }
            }
        }
    }

    /// Queues `records` for the next group commit and returns at once with their seqs, without
    /// waiting for the sync: for records no client is told about (learning signals), so that an
    /// answer never waits on them. `close` still syncs them.
    @discardableResult
    public func enqueue(_ records: [JSONObject]) throws -> ClosedRange<Int> {
        try enqueue(prepared: try checked(records.map { Prepared($0, kept: false) }))
    }

    /// `enqueue` for mission events: their entries keep the typed events.
    @discardableResult
    public func enqueue(events: [MissionEvent]) throws -> ClosedRange<Int> {
        try enqueue(prepared: try checked(events.map { Prepared($0) }))
    }

    func enqueue(prepared: [Prepared]) throws -> ClosedRange<Int> {
        switch submit(prepared, nil) {
        case .failure(let error):
            throw error
        case .success(let queued):
            if queued.wake { wakeWriter.signal() }
            return (queued.lastSeq - prepared.count + 1)...queued.lastSeq
        }
    }

    /// Bytes queued for the writer and not yet taken into a batch.
    public var queuedBytes: Int { state.withLock { $0.pendingBytes } }

    /// Waits until every record appended or enqueued so far is synced.
    public func flush() async {
        let last = state.withLock { $0.nextSeq - 1 }
        if last > lastSeq { _ = await waitForCommit(after: last - 1) }
    }

    /// A record on its way in, without any `seq` of its own (the log alone assigns it), and its
    /// bytes: a mission event is written straight from its fields.
    struct Prepared {
        enum Source {
            case record(JSONObject)
            case event(MissionEvent)
            /// A record nobody will read back from its entry (it was `enqueue`d): the entry keeps
            /// only its line, and the record is freed by the thread that built it.
            case unkept(missionID: String?)
        }

        var source: Source
        var body: [UInt8]

        init(_ record: JSONObject, kept: Bool = true) {
            let clean = record.members.contains { $0.key == "seq" } ? JSONObject(members: record.members.filter { $0.key != "seq" }) : record
            source = kept ? .record(clean) : .unkept(missionID: clean["mission_id"]?.stringValue)
            body = JSONWriter.encode(clean)
        }

        init(_ event: MissionEvent) {
            source = .event(event)
            body = JSONWriter.encode(members: event)
        }
    }

    /// `prepared`, once the log takes appends and every record fits.
    func checked(_ prepared: [Prepared]) throws(LogError) -> [Prepared] {
        guard mode == .readWrite else { throw .readOnly(path: path) }
        for record in prepared where record.body.count > limits.maxRecordBytes {
            throw .recordTooLarge(path: path, bytes: record.body.count, limit: limits.maxRecordBytes)
        }
        return prepared
    }

    /// Assigns seqs and queues the lines for the writer: the last seq given, and whether the
    /// writer must be woken.
    func submit(_ prepared: [Prepared], _ continuation: CheckedContinuation<[LogEntry], any Error>?) -> Result<(wake: Bool, lastSeq: Int), LogError> {
        state.withLock { state in
            if let failure = state.failure { return .failure(failure) }
            if state.closed { return .failure(.closed(path: path)) }
            var entries: [LogEntry] = []
            entries.reserveCapacity(prepared.count)
            var bytes = 0
            for record in prepared {
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
    static func makeEntry(seq: Int, _ prepared: Prepared) -> LogEntry {
        let body = prepared.body
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
        switch prepared.source {
        case .event(let event): return LogEntry(seq: seq, line: line, event: event)
        case .record(let record): return LogEntry(seq: seq, line: line, unsequenced: record)
        case .unkept(let missionID): return LogEntry(seq: seq, line: line, missionID: missionID)
        }
    }
}
