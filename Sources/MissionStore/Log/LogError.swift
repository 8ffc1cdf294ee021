import MissionModel
import Glibc

/// Errors of the JSONL logs. Each says which file and what to do about it.
public enum LogError: Error, Sendable, Equatable, CustomStringConvertible {
    case io(path: String, operation: String, errno: Int32)
    case corruptLine(path: String, line: Int, reason: String)
    case readOnly(path: String)
    case closed(path: String)
    /// A write or sync failed earlier; after a failed `fdatasync` the kernel may have dropped
    /// the dirty pages, so the log refuses further appends until the service restarts.
    case failed(path: String, reason: String)
    case recordTooLarge(path: String, bytes: Int, limit: Int)
    /// The disk is full (ENOSPC): nothing new is taken until space is back, which the log
    /// notices by itself.
    case full(path: String)
    /// A shared store cannot be reached (or its answer to a commit was lost): the records were
    /// not acknowledged; the node keeps trying to reconnect by itself.
    case unavailable(store: String, reason: String)
    /// A sealed segment does not begin with the seq its name says: one before it is missing
    /// or was changed, and every later record would be misnumbered (CONTRACT §10).
    case segmentMismatch(path: String, firstSeq: Int)
    /// A read of bytes that retention has dropped since the reader found where they were.
    case gone(path: String, offset: Int)
    /// A shared store refused an append: another key holds one of its claims (`LogRecord.claims`).
    case claimed(String)

    /// A failure of the disk rather than of the request: new writes are refused until it
    /// passes (full) or until a restart (failed).
    public var refusesWrites: Bool {
        switch self {
        case .full, .failed, .unavailable: return true
        default: return false
        }
    }

    public var description: String {
        switch self {
        case .io(let path, let operation, let code):
            return "\(operation) failed on \(path): \(String(cString: strerror(code))) (errno \(code))"
        case .corruptLine(let path, let line, let reason):
            return "\(path):\(line): corrupt record (\(reason)); the log is damaged before its last line, so nothing was changed. `mission verify` lists every problem; with the service stopped, `mission repair` writes a new log that keeps every good record at its seq (the original is kept beside it)"
        case .segmentMismatch(let path, let firstSeq):
            return "\(path) is named for seq \(firstSeq) but the segments before it hold another number of records: a segment is missing or was changed, so nothing was opened. Put the missing segment back (from archive/ or a backup); `mission verify` lists what it finds"
        case .gone(let path, let offset):
            return "\(path): the bytes at \(offset) were dropped by retention while being read; read from the first kept seq"
        case .readOnly(let path):
            return "\(path) is open read-only"
        case .closed(let path):
            return "\(path) is closed"
        case .failed(let path, let reason):
            return "\(path) stopped accepting appends after an I/O failure (\(reason)); restart the service once the disk is healthy"
        case .full(let path):
            return "the disk holding \(path) is full, so nothing new can be recorded; the service resumes by itself once space is freed (retry then)"
        case .claimed(let claim):
            return "\(claim) is held by another record"
        case .unavailable(let store, let reason):
            return "the store \(store) cannot be reached (\(reason)); nothing new can be recorded until it is back (retry then)"
        case .recordTooLarge(let path, let bytes, let limit):
            return "a record of \(bytes) bytes is over the \(limit)-byte limit of \(path)"
        }
    }
}
