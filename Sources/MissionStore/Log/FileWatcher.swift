import MissionModel
import Foundation
import Glibc
import Synchronization

/// Tells when a file written by another process changes (inotify), so that `tail --follow`
/// waits for the kernel instead of re-reading on a timer. Blocking waits run on a dedicated
/// thread. Stopping closes the write end of a pipe the thread also polls: it sees the hang-up
/// and exits. Nothing is ever written to that pipe, so no SIGPIPE is possible.
public final class FileWatcher: Sendable {
    private let stopWriteEnd: Int32
    private let stopped = Atomic(false)
    public let changes: AsyncStream<Void>

    /// `inDirectory`: watch every file in `path`'s directory instead, so that a log whose
    /// active file is sealed (renamed) and replaced by a new one is still seen to grow.
    public init(path: String, inDirectory: Bool = false) throws {
        let fd = inotify_init1(Int32(IN_CLOEXEC))
        guard fd >= 0 else { throw LogError.io(path: path, operation: "inotify_init1", errno: errno) }
        let target = inDirectory ? (path.lastIndex(of: "/").map { String(path[..<$0]) }.map { $0.isEmpty ? "/" : $0 } ?? ".") : path
        let events = IN_MODIFY | IN_CLOSE_WRITE | IN_ATTRIB | (inDirectory ? IN_CREATE | IN_MOVED_TO | IN_DELETE | IN_MOVED_FROM : 0)
        guard inotify_add_watch(fd, target, UInt32(events)) >= 0 else {
            let code = errno
            Glibc.close(fd)
            throw LogError.io(path: path, operation: "inotify_add_watch", errno: code)
        }
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else {
            Glibc.close(fd)
            throw LogError.io(path: path, operation: "pipe", errno: errno)
        }
        for end in fds { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        stopWriteEnd = fds[1]
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        changes = stream
        NamedThread.start("file-watcher") { [fd, stop = fds[0]] in
            var pollFDs = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0), pollfd(fd: stop, events: Int16(POLLIN), revents: 0)]
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let ready = poll(&pollFDs, 2, -1)
                if ready < 0 && errno == EINTR { continue }
                if ready < 0 || pollFDs[1].revents != 0 { break }
                if pollFDs[0].revents != 0 {
                    _ = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress!, $0.count) }
                    continuation.yield()
                }
            }
            // The thread owns both descriptors it polls, so it is the one to close them.
            Glibc.close(fd)
            Glibc.close(stop)
            continuation.finish()
        }
    }

    /// Ends `changes`. Safe to call more than once, from any thread.
    public func stop() {
        guard !stopped.exchange(true, ordering: .acquiringAndReleasing) else { return }
        Glibc.close(stopWriteEnd)
    }

    deinit {
        stop()
    }
}
