import Glibc
import Synchronization

/// The data directory's write lock (`flock`): held until `release()` or deallocation, and
/// dropped by the kernel if the process dies, so a crash never leaves it stuck.
public final class DirectoryLock: Sendable {
    private let fd: Int32
    private let released = Atomic(false)

    init(fd: Int32) { self.fd = fd }

    public func release() {
        guard !released.exchange(true, ordering: .acquiringAndReleasing) else { return }
        Glibc.close(fd)
    }

    deinit { release() }
}
