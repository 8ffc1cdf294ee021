import Dispatch
import Foundation
import Glibc

/// An append-only JSON Lines log: `missions.jsonl` or `learning_signals.jsonl`.
///
/// Each record gets `seq`, its 1-based line number. Appends from any number of tasks are
/// batched by group commit: one writer thread takes everything pending, writes it with one
/// `write` and one `fdatasync`, then resumes every appender of the batch. An append returns
/// only once its record is on disk, so anything acknowledged survives a crash.
///
/// Committed records can be read from any seq and followed live (`follow(after:)`): a
/// follower waits on a continuation that the writer resumes, it never polls.
public final class JSONLLog: Sendable {
    public enum Mode: Sendable { case readWrite, readOnly }

    /// A prefix of the file already folded elsewhere (a checkpoint): its lines are not parsed.
    /// The prefix must still end at byte `length` with a line that hashes to `lineHash`, or the
    /// open throws `CheckpointMismatch` (and the caller replays in full). With `offsets` (where
    /// each of its lines starts) the prefix is not even read: only its last line is.
    public struct TrustedPrefix: Sendable, Hashable {
        public var seq: Int
        public var length: Int
        public var lineHash: UInt64
        public var offsets: [Int]

        public init(seq: Int, length: Int, lineHash: UInt64, offsets: [Int] = []) {
            self.seq = seq
            self.length = length
            self.lineHash = lineHash
            self.offsets = offsets
        }
    }

    public struct OpenReport: Sendable {
        public var lineCount: Int
        public var tornBytes: Int
        public var tornPath: String?
    }

    /// Counters since open: how well group commit batches (records per sync) and sync time.
    public struct Stats: Sendable, Equatable {
        public var records = 0
        public var syncs = 0
        public var syncNanoseconds: UInt64 = 0
        /// Each write + fdatasync of a batch, in seconds.
        public var syncSeconds = Histogram(bounds: Histogram.syncSeconds)
    }

    public var stats: Stats { state.withLock { $0.stats } }

    public struct Limits: Sendable {
        public var maxRecordBytes = 4 << 20
        public var maxBatchBytes = 8 << 20
        public var recentEntries = 8192
        /// A batch that nobody waits for (only `enqueue`d records) waits this long for company
        /// before its sync, so that background records cost few syncs. A waiting append ends
        /// the wait at once.
        public var lingerWithoutWaiters: Duration = .milliseconds(2)
        public init() {}
    }

    public let path: String
    public let mode: Mode
    let file: LogFile
    let limits: Limits
    let state: Locked<State>
    let wakeWriter = DispatchSemaphore(value: 0)
    private let onCommit: (@Sendable ([LogEntry]) -> Void)?

    /// What the writer thread is doing, so that a submit wakes it only when it must.
    enum WriterState {
        /// Writing, or about to look at `pending` again: no wake needed.
        case busy
        /// Waiting for any record.
        case idle
        /// Waiting for company for records nobody waits for: only a waited record or a close
        /// cuts the wait short.
        case lingering
        /// The disk is full: waiting to write the batch again; only a close cuts it short.
        case waitingForSpace
    }

    struct Pending {
        var entries: [LogEntry]
        var bytes: Int
        /// Nil for `enqueue`: nobody waits for this one.
        var continuation: CheckedContinuation<[LogEntry], any Error>?
    }

    struct State {
        var nextSeq: Int
        var committedSeq: Int
        /// offsets[i] is where the line of seq i+1 starts; `endOffset` is where the next one will.
        var offsets: [Int]
        var endOffset: Int
        var pending: [Pending] = []
        var pendingBytes = 0
        var writer = WriterState.busy
        var writerRunning = false
        var closed = false
        var failure: LogError?
        /// The last write failed with ENOSPC; the writer holds its batch and tries again.
        var full = false
        /// The service is stopping and its grace is over: a batch held for space is given up.
        var givingUp = false
        var storageReport: (@Sendable (String) -> Void)?
        var recent: RecentEntries
        /// Followers waiting for a seq beyond `after`.
        var waiters: [UInt64: (after: Int, continuation: CheckedContinuation<Void, Never>)] = [:]
        var nextWaiterID: UInt64 = 0
        var closeWaiters: [CheckedContinuation<Void, Never>] = []
        var blockingClosers: [DispatchSemaphore] = []
        var stats = Stats()

        /// Whether a submit (with someone waiting for it, or not) or a close must wake the
        /// writer; if so, it counts as awake from here on.
        mutating func wakesWriter(waited: Bool) -> Bool {
            switch writer {
            case .busy, .waitingForSpace: return false
            case .lingering where !waited: return false
            case .idle, .lingering:
                writer = .busy
                return true
            }
        }

        /// `wakesWriter` for a close, which also ends a wait for disk space.
        mutating func wakesWriterToClose() -> Bool {
            guard writer == .waitingForSpace else { return wakesWriter(waited: true) }
            writer = .busy
            return true
        }

        /// Closed and drained: no record will ever be committed again.
        var isFinished: Bool { closed && !writerRunning }

        /// Removes and returns the waiters whose seq has now been committed.
        mutating func takeWaiters() -> [CheckedContinuation<Void, Never>] {
            var ready: [CheckedContinuation<Void, Never>] = []
            for (id, waiter) in waiters where waiter.after < committedSeq {
                ready.append(waiter.continuation)
                waiters[id] = nil
            }
            return ready
        }
    }

    /// Opens (creating if needed) the log at `path`. In read-write mode a torn last line is
    /// moved to `<path>.torn` and cut off; a damaged line before it throws `corruptLine`.
    /// `replay` sees every parsed record after `trusted` in order; `onCommit` every batch
    /// appended later, on the writer thread, after it is synced and before anyone can read it.
    public init(path: String, mode: Mode = .readWrite, limits: Limits = Limits(), trusted: TrustedPrefix? = nil,
                replay: (_ seq: Int, _ record: JSONObject) throws -> Void = { _, _ in },
                onCommit: (@Sendable ([LogEntry]) -> Void)? = nil) throws {
        self.path = path
        self.mode = mode
        self.limits = limits
        self.onCommit = onCommit
        if mode == .readOnly, access(path, F_OK) != 0 {
            throw LogError.io(path: path, operation: "open", errno: ENOENT)
        }
        let file = try LogFile.open(path, readOnly: mode == .readOnly)
        self.file = file
        var offsets: [Int] = []
        let scan: LogScanner.Result
        do {
            var start = (offset: 0, line: 1)
            if let trusted, trusted.seq > 0, trusted.offsets.count == trusted.seq {
                try Self.check(trusted, in: file)
                offsets = trusted.offsets
                start = (trusted.length, trusted.seq + 1)
            }
            scan = try LogScanner.scan(file, from: start.offset, firstLine: start.line) { lineNumber, offset, bytes in
                offsets.append(offset)
                if let trusted, lineNumber <= trusted.seq {
                    if lineNumber == trusted.seq, offset + bytes.count + 1 != trusted.length || LineHash.of(bytes) != trusted.lineHash {
                        throw CheckpointMismatch()
                    }
                    return
                }
                try replay(lineNumber, try Self.parseLine(bytes, lineNumber: lineNumber, path: path))
            }
            if let trusted, offsets.count < trusted.seq { throw CheckpointMismatch() }
        } catch {
            file.close()
            throw error
        }
        var report = OpenReport(lineCount: offsets.count, tornBytes: scan.tornTail.count, tornPath: nil)
        if !scan.tornTail.isEmpty && mode == .readWrite {
            do {
                let tornPath = path + ".torn"
                try LogFile.appendSynced(scan.tornTail + [0x0A], to: tornPath)
                try file.truncate(to: scan.validLength)
                try file.sync()
                report.tornPath = tornPath
            } catch {
                file.close()
                throw error
            }
        }
        self.openReport = report
        state = Locked(State(nextSeq: offsets.count + 1, committedSeq: offsets.count, offsets: offsets,
                            endOffset: scan.validLength, recent: RecentEntries(capacity: limits.recentEntries)))
        if mode == .readWrite {
            state.withLock { $0.writerRunning = true }
            NamedThread.start("jsonl-writer") { [self] in writerLoop() }
        }
    }

    public let openReport: OpenReport

    /// Thrown inside `init` when a checkpoint does not describe this file.
    public struct CheckpointMismatch: Error {}

    /// The covered prefix must end with the covered last line, unchanged, at `length`.
    private static func check(_ trusted: TrustedPrefix, in file: LogFile) throws {
        let start = trusted.offsets[trusted.seq - 1]
        guard start < trusted.length, try file.size() >= trusted.length else { throw CheckpointMismatch() }
        let line = try file.read(at: start, count: trusted.length - start)
        guard line.last == 0x0A, LineHash.of(Array(line.dropLast())) == trusted.lineHash else { throw CheckpointMismatch() }
    }

    static func parseLine(_ bytes: UnsafeBufferPointer<UInt8>, lineNumber: Int, path: String) throws(LogError) -> JSONObject {
        let record: JSONObject
        do {
            record = try JSONParser.parseObject(bytes)
        } catch {
            throw .corruptLine(path: path, line: lineNumber, reason: error.description)
        }
        if let seq = record["seq"] {
            guard let value = seq.intValue, value == lineNumber else {
                throw .corruptLine(path: path, line: lineNumber, reason: "seq is \(JSONWriter.string(seq)) on line \(lineNumber)")
            }
        }
        return record
    }

    /// The seq of the last record on disk.
    public var lastSeq: Int { state.withLock { $0.committedSeq } }

    // MARK: Appending

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

    private func append(prepared: [Prepared]) async throws -> [LogEntry] {
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

    private func enqueue(prepared: [Prepared]) throws -> ClosedRange<Int> {
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
    private struct Prepared {
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
    private func checked(_ prepared: [Prepared]) throws(LogError) -> [Prepared] {
        guard mode == .readWrite else { throw .readOnly(path: path) }
        for record in prepared where record.body.count > limits.maxRecordBytes {
            throw .recordTooLarge(path: path, bytes: record.body.count, limit: limits.maxRecordBytes)
        }
        return prepared
    }

    /// Assigns seqs and queues the lines for the writer: the last seq given, and whether the
    /// writer must be woken.
    private func submit(_ prepared: [Prepared], _ continuation: CheckedContinuation<[LogEntry], any Error>?) -> Result<(wake: Bool, lastSeq: Int), LogError> {
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
    private static func makeEntry(seq: Int, _ prepared: Prepared) -> LogEntry {
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

    /// Waits up to `lingerWithoutWaiters` for more records to join `batch`, unless one of them
    /// has someone waiting or the log is closing.
    private func linger(_ batch: [Pending]) -> [Pending] {
        let deadline = DispatchTime.now() + .nanoseconds(limits.lingerWithoutWaiters.nanoseconds)
        var batch = batch
        var bytes = batch.reduce(0) { $0 + $1.bytes }
        while bytes < limits.maxBatchBytes / 2 {
            let (closing, idle) = state.withLock { state in
                let idle = !state.closed && state.pending.isEmpty
                // Records nobody waits for join quietly: only a waited one or a close wakes it.
                state.writer = .lingering
                return (state.closed, idle)
            }
            if !idle || wakeWriter.wait(timeout: deadline) == .timedOut {
                // A signal that raced with the timeout only makes the writer's next wait return early.
                state.withLock { $0.writer = .busy }
            }
            let (more, waited) = state.withLock { state -> ([Pending], Bool) in
                var more: [Pending] = []
                swap(&more, &state.pending)
                state.pendingBytes = 0
                return (more, more.contains { $0.continuation != nil })
            }
            batch += more
            bytes += more.reduce(0) { $0 + $1.bytes }
            if closing || waited || DispatchTime.now() >= deadline { break }
        }
        return batch
    }

    private static let keptBufferBytes = 1 << 20

    private func writerLoop() {
        var buffer: [UInt8] = []
        while true {
            let batch: [Pending]? = state.withLock { state in
                if state.pending.isEmpty {
                    if state.closed { return nil }
                    state.writer = .idle
                    return []
                }
                if state.pendingBytes <= limits.maxBatchBytes {
                    // The usual case: take everything without copying the array.
                    var batch: [Pending] = []
                    swap(&batch, &state.pending)
                    state.pendingBytes = 0
                    return batch
                }
                var taken = 0
                var bytes = 0
                for pending in state.pending {
                    if taken > 0 && bytes >= limits.maxBatchBytes { break }
                    bytes += pending.bytes
                    taken += 1
                }
                state.pendingBytes -= bytes
                let batch = Array(state.pending[0..<taken])
                state.pending.removeFirst(taken)
                return batch
            }
            guard let batch else { break }
            if batch.isEmpty {
                wakeWriter.wait()
                continue
            }
            commit(batch.contains { $0.continuation != nil } ? batch : linger(batch), buffer: &buffer)
        }
        let (waiters, closers, blocking) = state.withLock { state in
            state.writerRunning = false
            defer { state.waiters = [:]; state.closeWaiters = []; state.blockingClosers = [] }
            return (state.waiters.values.map(\.continuation), state.closeWaiters, state.blockingClosers)
        }
        waiters.forEach { $0.resume() }
        closers.forEach { $0.resume() }
        blocking.forEach { $0.signal() }
    }

    /// Writes and syncs `batch` through `buffer`, the writer's own, which keeps its capacity
    /// from one batch to the next (up to `keptBufferBytes`) instead of a large allocation each.
    private func commit(_ batch: [Pending], buffer bytes: inout [UInt8]) {
        defer {
            if bytes.capacity > Self.keptBufferBytes { bytes = [] } else { bytes.removeAll(keepingCapacity: true) }
        }
        bytes.reserveCapacity(batch.reduce(0) { $0 + $1.bytes })
        for pending in batch {
            for entry in pending.entries {
                bytes.append(contentsOf: entry.line)
                bytes.append(0x0A)
            }
        }
        var syncStart = DispatchTime.now().uptimeNanoseconds
        while true {
            do {
                try file.writeAll(bytes[...])
                try file.sync()
                break
            } catch {
                // A full disk is waited out with the batch held: its appenders wait, and
                // nothing queued is dropped. Any other failure poisons the log.
                guard case .io(_, _, ENOSPC) = error, waitForSpace() else {
                    fail(batch, state.withLock { $0.full } ? .full(path: path) : error)
                    return
                }
                syncStart = DispatchTime.now().uptimeNanoseconds
            }
        }
        if state.withLock({ $0.full }) { spaceIsBack() }
        let syncNanoseconds = DispatchTime.now().uptimeNanoseconds - syncStart
        let entries = batch.flatMap(\.entries)
        // The view is updated before the commit is published, so whoever can read record N
        // from the log also finds it folded into the view.
        onCommit?(entries)
        // Made before the lock is taken: appenders wait on it.
        let slim = entries.map(\.slim)
        let waiters = state.withLock { state in
            for entry in slim {
                state.offsets.append(state.endOffset)
                state.endOffset += entry.line.count + 1
                state.recent.append(entry)
            }
            state.committedSeq = entries.last!.seq
            state.stats.records += entries.count
            state.stats.syncs += 1
            state.stats.syncNanoseconds += syncNanoseconds
            state.stats.syncSeconds.observe(Double(syncNanoseconds) / 1e9)
            return state.takeWaiters()
        }
        for pending in batch { pending.continuation?.resume(returning: pending.entries) }
        waiters.forEach { $0.resume() }
    }

    /// A failed write or sync poisons the log: every pending append fails, the file is cut
    /// back to its last committed line, and later appends are refused.
    private func fail(_ batch: [Pending], _ error: LogError) {
        let failure: LogError
        if case .full = error { failure = error } else { failure = .failed(path: path, reason: error.description) }
        let (rest, endOffset) = state.withLock { state in
            state.failure = failure
            state.nextSeq = state.committedSeq + 1
            state.pendingBytes = 0
            defer { state.pending = [] }
            return (state.pending, state.endOffset)
        }
        try? file.truncate(to: endOffset)
        for pending in batch + rest { pending.continuation?.resume(throwing: failure) }
        // Nothing will be committed again: whoever waits for a commit is told now.
        let waiters = state.withLock { state in
            defer { state.waiters = [:] }
            return state.waiters.values.map(\.continuation)
        }
        waiters.forEach { $0.resume() }
    }

    /// Stops accepting appends, waits until everything pending is synced, and ends followers.
    /// On a full disk it gives up what it cannot write (never acknowledged) instead of waiting.
    public func close() async {
        let (wake, running) = state.withLock { state in
            state.closed = true
            return (state.wakesWriterToClose(), state.writerRunning)
        }
        if wake { wakeWriter.signal() }
        if running {
            await withCheckedContinuation { continuation in
                let done = state.withLock { state in
                    if !state.writerRunning { return true }
                    state.closeWaiters.append(continuation)
                    return false
                }
                if done { continuation.resume() }
            }
        } else {
            let waiters = state.withLock { state in
                defer { state.waiters = [:] }
                return state.waiters.values.map(\.continuation)
            }
            waiters.forEach { $0.resume() }
        }
    }

    /// `close()` for synchronous code (error paths of initialisers): blocks until drained.
    public func closeNow() {
        let semaphore = DispatchSemaphore(value: 0)
        let (wake, running) = state.withLock { state in
            state.closed = true
            if state.writerRunning { state.blockingClosers.append(semaphore) }
            return (state.wakesWriterToClose(), state.writerRunning)
        }
        if wake { wakeWriter.signal() }
        if running { semaphore.wait() }
    }

    // The descriptor outlives `close()` so that readers racing with it never touch a reused fd.
    deinit {
        file.close()
    }
}
