import Foundation
import Glibc

/// The data directory: where the logs live, and the lock that keeps a second process from
/// appending to them at the same time (two writers would interleave seqs).
public struct DataDirectory: Sendable {
    public static let defaultPath = "./data"
    public static let environmentVariable = "MISSION_DATA_DIR"

    public let path: String

    public init(path: String) {
        self.path = path.hasSuffix("/") && path.count > 1 ? String(path.dropLast()) : path
    }

    public var missionsPath: String { path + "/missions.jsonl" }
    public var signalsPath: String { path + "/learning_signals.jsonl" }
    public var checkpointPath: String { path + "/missions.checkpoint" }
    var lockPath: String { path + "/.lock" }

    public func create() throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw DataDirectoryError.cannotCreate(path: path, reason: "\(error.localizedDescription)")
        }
    }

    /// Takes the directory's write lock; it is held until the returned lock is released or the
    /// process ends (the kernel drops `flock`s of a dead process, so a crash never leaves it stuck).
    public func lock() throws -> DirectoryLock {
        try create()
        let fd = Glibc.open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw DataDirectoryError.cannotCreate(path: lockPath, reason: String(cString: strerror(errno))) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            Glibc.close(fd)
            throw DataDirectoryError.busy(path: path)
        }
        return DirectoryLock(fd: fd)
    }
}
