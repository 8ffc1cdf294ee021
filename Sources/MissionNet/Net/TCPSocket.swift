import CShim
import Glibc

/// A connected, non-blocking TCP socket owned by one task. Reads and writes retry on `EINTR`
/// and wait on the event loop on `EAGAIN`, never blocking a thread of the pool.
public final class TCPSocket {
    public let fd: Int32
    let loop: EventLoop
    private var isClosed = false
    /// The last `recv` emptied the socket (it returned less than asked for), so that its next
    /// data comes with a new edge on the event loop; a wait before reading is then safe.
    private var drained = false

    init(fd: Int32, loop: EventLoop) {
        self.fd = fd
        self.loop = loop
        var one: Int32 = 1
        // Responses are written whole; Nagle would only delay the last segment.
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Connects to `host:port` (numeric address); for clients and tests.
    public static func connect(host: String, port: Int, loop: EventLoop, deadline: UInt64? = nil) async throws -> TCPSocket {
        let address = try SocketAddress(host: host, port: port)
        let fd = socket(address.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SocketError.system("socket", errno) }
        let socket = TCPSocket(fd: fd, loop: loop)
        do {
            let rc = address.withSockaddr { Glibc.connect(fd, $0, $1) }
            if rc != 0 {
                guard errno == EINPROGRESS || errno == EINTR else { throw SocketError.system("connect", errno) }
                guard try await loop.wait(fd, for: .write, deadline: deadline) == .ready else { throw SocketError.timedOut }
                var error: Int32 = 0
                var length = socklen_t(MemoryLayout<Int32>.size)
                getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
                guard error == 0 else { throw SocketError.system("connect", error) }
            }
        } catch {
            socket.close()
            throw error
        }
        return socket
    }

    deinit {
        close()
    }

    /// Reads what is available (up to `buffer`'s size) into `buffer`, waiting for at least one
    /// byte. Returns the count, 0 at end of stream; throws `SocketError.timedOut` after `deadline`.
    /// `waitFirst` skips the first `recv` when it would almost surely find nothing (a
    /// keep-alive client that has just been answered): one system call less per request. It
    /// is ignored unless the last read drained the socket.
    nonisolated(nonsending) public func read(into buffer: UnsafeMutableRawBufferPointer, deadline: UInt64? = nil, waitFirst: Bool = false) async throws -> Int {
        if waitFirst && drained {
            guard try await loop.wait(fd, for: .read, deadline: deadline) == .ready else { throw SocketError.timedOut }
        }
        while true {
            let count = recv(fd, buffer.baseAddress, buffer.count, 0)
            if count >= 0 {
                drained = count < buffer.count
                return count
            }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK:
                guard try await loop.wait(fd, for: .read, deadline: deadline) == .ready else { throw SocketError.timedOut }
            case ECONNRESET, ETIMEDOUT: return 0
            default: throw SocketError.system("recv", errno)
            }
        }
    }

    /// Writes all of `bytes`, waiting while the send buffer is full.
    nonisolated(nonsending) public func write(_ bytes: [UInt8], deadline: UInt64? = nil) async throws {
        var written = 0
        let total = bytes.count
        while written < total {
            let count = bytes.withUnsafeBytes { buffer in
                send(fd, buffer.baseAddress! + written, total - written, Int32(MSG_NOSIGNAL))
            }
            if count >= 0 {
                written += count
                continue
            }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK:
                guard try await loop.wait(fd, for: .write, deadline: deadline) == .ready else { throw SocketError.timedOut }
            case EPIPE, ECONNRESET: throw SocketError.peerGone
            default: throw SocketError.system("send", errno)
            }
        }
    }

    /// A best-effort write that never waits: for a last word to a client being turned away.
    public func writeNow(_ bytes: [UInt8]) {
        _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Stops reading (the peer sees nothing); a task waiting to read sees end of stream.
    public func shutdownReading() {
        Glibc.shutdown(fd, Int32(SHUT_RD))
    }

    /// Sends FIN after what was written; reading goes on.
    public func shutdownWriting() {
        Glibc.shutdown(fd, Int32(SHUT_WR))
    }

    public func close() {
        guard !isClosed else { return }
        isClosed = true
        loop.deregister(fd)
        Glibc.close(fd)
    }
}

