import Glibc

/// The data directory's write lock; released when this is deallocated or the process ends.
public final class DirectoryLock: Sendable {
    private let fd: Int32
    init(fd: Int32) { self.fd = fd }
    deinit { Glibc.close(fd) }
}
