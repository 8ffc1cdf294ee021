import MissionModel
import Glibc
import Synchronization

/// The data directory's write lock (see `DataDirectory.lock()`): held until `release()` or
/// deallocation; the kernel drops it if the process dies.
public final class DirectoryLock: Sendable {
    /// Directories locked by this process.
    static let held = Locked<Set<String>>([])

    private let fd: Int32
    private let path: String
    private let released = Atomic(false)

    init(fd: Int32, path: String) {
        self.fd = fd
        self.path = path
    }

    public func release() {
        guard !released.exchange(true, ordering: .acquiringAndReleasing) else { return }
        // Closing the descriptor drops the record lock.
        Glibc.close(fd)
        Self.held.withLock { _ = $0.remove(path) }
    }

    deinit { release() }
}
