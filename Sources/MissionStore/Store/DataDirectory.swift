import CShim
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
    /// Where retention moves segments with `--archive` (CONTRACT §10).
    public var archivePath: String { path + "/archive" }
    var lockPath: String { path + "/.lock" }

    public func create() throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw DataDirectoryError.cannotCreate(path: path, reason: "\(error.localizedDescription)")
        }
    }

    /// Takes the directory's write lock, held until the returned lock is released or the process
    /// ends (the kernel drops the locks of a dead process, so a crash never leaves it stuck).
    /// A POSIX record lock keeps other processes out; since such locks never conflict within one
    /// process, a registry of locked directories keeps a second runtime of this process out too.
    public func lock() throws -> DirectoryLock {
        try create()
        let canonical = Self.canonical(path)
        guard DirectoryLock.held.withLock({ $0.insert(canonical).inserted }) else { throw DataDirectoryError.busy(path: path) }
        let fd = Glibc.open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            let reason = String(cString: strerror(errno))
            DirectoryLock.held.withLock { _ = $0.remove(canonical) }
            throw DataDirectoryError.cannotCreate(path: lockPath, reason: reason)
        }
        guard cshim_try_lock(fd) == 0 else {
            Glibc.close(fd)
            DirectoryLock.held.withLock { _ = $0.remove(canonical) }
            throw DataDirectoryError.busy(path: path)
        }
        return DirectoryLock(fd: fd, path: canonical)
    }

    static func canonical(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
