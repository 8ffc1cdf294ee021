import MissionModel
import Dispatch
import Foundation
import Glibc
import Synchronization

/// An append-only JSON Lines log: `missions.jsonl` or `learning_signals.jsonl`.
///
/// Each record gets `seq`, its 1-based line number. Appends from any number of tasks are
/// batched by group commit: one writer thread takes everything pending, writes it with one
/// `write` and one `fdatasync`, then resumes every appender of the batch. An append returns
/// only once its record is on disk, so anything acknowledged survives a crash.
///
/// Committed records can be read from any seq and followed live (`follow(after:)`): a
/// follower waits on a continuation that the writer resumes, it never polls.
public final class JSONLLog: RecordLog {
    public enum Mode: Sendable { case readWrite, readOnly }

    /// A prefix of the file already folded elsewhere (a checkpoint): its lines are not parsed.
    /// The prefix must still end at byte `length` with a line that hashes to `lineHash`, or the
    /// open throws `CheckpointMismatch` (and the caller replays in full). With `offsets` (where
    /// each of its lines starts) the prefix is not even read: only its last line is.
    public struct TrustedPrefix: Sendable, Hashable {
        public var seq: Int
        public var length: Int
        public var lineHash: UInt64
        /// The oldest seq kept when it was taken: `offsets[0]` is where that line starts.
        public var firstSeq: Int
        public var offsets: [Int]

        public init(seq: Int, length: Int, lineHash: UInt64, firstSeq: Int = 1, offsets: [Int] = []) {
            self.seq = seq
            self.length = length
            self.lineHash = lineHash
            self.firstSeq = firstSeq
            self.offsets = offsets
        }

        /// Lines it covers.
        var lineCount: Int { seq - firstSeq + 1 }
    }

    public struct OpenReport: Sendable {
        public var lineCount: Int
        public var tornBytes: Int
        public var tornPath: String?
    }

    public var stats: LogStats { state.withLock { $0.stats } }

    public struct Limits: Sendable {
        public var maxRecordBytes = 4 << 20
        public var maxBatchBytes = 8 << 20
        public var recentEntries = 8192
        /// A batch that nobody waits for (only `enqueue`d records) waits this long for company
        /// before its sync, so that background records cost few syncs. A waiting append ends
        /// the wait at once.
        public var lingerWithoutWaiters: Duration = .milliseconds(2)
        /// The active file is sealed (renamed `NAME-SEQ.jsonl`, CONTRACT §10) once it holds
        /// this many bytes…
        public var segmentBytes = 256 << 20
        /// …or once its first record is this old (checked as records are committed).
        public var segmentMaxAge: Duration = .seconds(86_400)
        public init() {}
    }

    public let path: String
    public let mode: Mode
    let segments: LogSegments
    let limits: Limits
    let keyField: String?
    let state: Locked<State>
    let wakeWriter = DispatchSemaphore(value: 0)
    /// Set (never cleared but by the writer) while the log is full or failed: lets
    /// `requireSpace`, asked by every POST, skip the lock in the usual case.
    let troubled = Atomic(false)
    let onCommit: (@Sendable ([LogEntry]) -> Void)?
    /// Rings each time the writer seals the active file (a ring nobody heard yet stands for
    /// any number); ends when the log closes. Retention listens.
    public let seals: AsyncStream<Void>
    let sealsInput: AsyncStream<Void>.Continuation

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
        /// The oldest seq still kept: lines before it went with their segments.
        var firstSeq: Int
        /// When the active file's first record was written: its age seals it.
        var activeSince: Timestamp?
        /// Sealing failed once (say, a rename the file system refused): the log goes on in
        /// one file until a restart rather than try again on every commit.
        var sealingFailed = false
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
        var stats = LogStats()

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
    /// `keyField`: the member whose string value is a record's key (`LogEntry.key`) when its
    /// line is read back; nil for a log whose records have none.
    public init(path: String, mode: Mode = .readWrite, limits: Limits = Limits(), keyField: String? = nil, trusted: TrustedPrefix? = nil,
                replay: (_ seq: Int, _ record: JSONObject) throws -> Void = { _, _ in },
                onCommit: (@Sendable ([LogEntry]) -> Void)? = nil) throws {
        self.path = path
        self.mode = mode
        self.limits = limits
        self.keyField = keyField
        self.onCommit = onCommit
        (seals, sealsInput) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let segments = try LogSegments.open(path, readOnly: mode == .readOnly)
        self.segments = segments
        let firstSeq = segments.firstSeq
        var offsets: [Int] = []
        let scan: LogScanner.Result
        var activeSince: Timestamp?
        do {
            var start = (offset: 0, line: firstSeq)
            // A checkpoint taken before history was dropped describes other files (their offsets
            // run from the first kept one): it is not used then.
            if let trusted, trusted.firstSeq == firstSeq, trusted.lineCount > 0, trusted.offsets.count == trusted.lineCount {
                try Self.check(trusted, in: segments)
                offsets = trusted.offsets
                start = (trusted.length, trusted.seq + 1)
            }
            let activeStart = segments.activeStart
            var segmentStarts: [Int: Int] = [:]
            for segment in segments.sealed { segmentStarts[segment.start] = segment.firstSeq }
            scan = try LogScanner.scan(segments, from: start.offset, firstLine: start.line) { lineNumber, offset, bytes in
                if !segmentStarts.isEmpty, let named = segmentStarts[offset], named != lineNumber {
                    throw Self.segmentMismatch(segments, firstSeq: named)
                }
                offsets.append(offset)
                if offset == activeStart { activeSince = Self.timestamp(of: bytes) }
                if let trusted, lineNumber <= trusted.seq {
                    if lineNumber == trusted.seq, offset + bytes.count + 1 != trusted.length || LineHash.of(bytes) != trusted.lineHash {
                        throw CheckpointMismatch()
                    }
                    return
                }
                try replay(lineNumber, try Self.parseLine(bytes, lineNumber: lineNumber, path: path))
            }
            if let trusted, trusted.firstSeq == firstSeq, offsets.count < trusted.lineCount { throw CheckpointMismatch() }
            try Self.checkSegments(segments, offsets: offsets, firstSeq: firstSeq)
            if activeSince == nil, segments.activeStart < scan.validLength {
                activeSince = Self.timestamp(of: try segments.read(at: segments.activeStart, count: min(4096, scan.validLength - segments.activeStart)))
            }
        }
        var report = OpenReport(lineCount: offsets.count, tornBytes: scan.tornTail.count, tornPath: nil)
        if !scan.tornTail.isEmpty && mode == .readWrite {
            do {
                let tornPath = path + ".torn"
                try LogFile.appendSynced(scan.tornTail + [0x0A], to: tornPath)
                try segments.truncate(to: scan.validLength)
                try segments.sync()
                report.tornPath = tornPath
            }
        }
        self.openReport = report
        let lastSeq = firstSeq + offsets.count - 1
        state = Locked(State(firstSeq: firstSeq, activeSince: activeSince, nextSeq: lastSeq + 1, committedSeq: lastSeq, offsets: offsets,
                             endOffset: scan.validLength, recent: RecentEntries(capacity: limits.recentEntries)))
        if mode == .readWrite {
            state.withLock { $0.writerRunning = true }
            NamedThread.start("jsonl-writer") { [self] in writerLoop() }
        } else {
            sealsInput.finish()
        }
    }

    public let openReport: OpenReport

    /// Thrown inside `init` when a checkpoint does not describe this file.
    public struct CheckpointMismatch: Error {}

    /// The covered prefix must end with the covered last line, unchanged, at `length`.
    private static func check(_ trusted: TrustedPrefix, in segments: LogSegments) throws {
        let start = trusted.offsets[trusted.lineCount - 1]
        guard start < trusted.length else { throw CheckpointMismatch() }
        let line: [UInt8]
        do {
            line = try segments.read(at: start, count: trusted.length - start)
        } catch {
            throw CheckpointMismatch()
        }
        guard line.last == 0x0A, LineHash.of(Array(line.dropLast())) == trusted.lineHash else { throw CheckpointMismatch() }
    }

    /// Each sealed segment must begin with the line of the seq its name says, and the active
    /// file with the line after the last sealed one: a segment removed or renamed by hand
    /// would otherwise renumber every record after it.
    private static func checkSegments(_ segments: LogSegments, offsets: [Int], firstSeq: Int) throws {
        for segment in segments.sealed {
            let index = segment.firstSeq - firstSeq
            guard index < offsets.count, offsets[index] == segment.start else { throw segmentMismatch(segments, firstSeq: segment.firstSeq) }
        }
        segments.setActiveFirstSeq(firstSeq + lineIndex(atOrAfter: segments.activeStart, in: offsets))
    }

    private static func segmentMismatch(_ segments: LogSegments, firstSeq: Int) -> LogError {
        let name = LogSegments.sealedPath(of: segments.path, firstSeq: firstSeq)
        return .segmentMismatch(path: name, firstSeq: firstSeq)
    }

    /// The index of the first line that starts at or after `offset` (the first line of the
    /// file that starts there).
    static func lineIndex(atOrAfter offset: Int, in offsets: [Int]) -> Int {
        var low = 0, high = offsets.count
        while low < high {
            let middle = (low + high) / 2
            if offsets[middle] < offset { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// The `timestamp` of a record's line (or of the first line in `bytes`), if it has one.
    static func timestamp(of bytes: some Collection<UInt8>) -> Timestamp? {
        let line = bytes.prefix { $0 != 0x0A }
        guard let record = try? Array(line).withUnsafeBufferPointer({ try JSONParser.parseObject($0) }),
              let text = record["timestamp"]?.stringValue else { return nil }
        return Timestamp(parsing: text)
    }

    package static func parseLine(_ bytes: UnsafeBufferPointer<UInt8>, lineNumber: Int, path: String) throws(LogError) -> JSONObject {
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

    /// The descriptor records are written to now (tests swap it for a failing one).
    var activeFile: LogFile { segments.state.withLock { $0.active.file } }

    /// The oldest seq still kept (CONTRACT §10).
    public var firstSeq: Int { state.withLock { $0.firstSeq } }

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
}
