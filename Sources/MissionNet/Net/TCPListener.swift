import CShim
import Glibc

/// A listening TCP socket. `accept` waits on the event loop, so a task can await the next
/// connection and be cancelled while it waits.
public final class TCPListener: Sendable {
    public static let defaultBacklog: Int32 = 1024

    public let fd: Int32
    /// The bound port: the real one when 0 was asked for.
    public let port: Int
    public let host: String
    let loop: EventLoop

    public init(host: String, port: Int, loop: EventLoop, backlog: Int32 = defaultBacklog) throws(SocketError) {
        let address = try SocketAddress(host: host, port: port)
        let fd = socket(address.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .system("socket", errno) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        guard address.withSockaddr({ bind(fd, $0, $1) }) == 0 else {
            let code = errno
            Glibc.close(fd)
            throw .system("bind \(host):\(port)", code)
        }
        guard listen(fd, backlog) == 0 else {
            let code = errno
            Glibc.close(fd)
            throw .system("listen", code)
        }
        var bound = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        withUnsafeMutableBytes(of: &bound) { _ = getsockname(fd, $0.baseAddress!.assumingMemoryBound(to: sockaddr.self), &length) }
        let portBytes = withUnsafeBytes(of: bound) { Array($0[2..<4]) }
        self.port = Int(portBytes[0]) << 8 | Int(portBytes[1])
        self.fd = fd
        self.host = host
        self.loop = loop
    }

    /// The next connection. Throws `CancellationError` when the task is cancelled, and
    /// `SocketError` for a failure that is not the peer's (e.g. EMFILE: out of descriptors).
    /// The next connection, its socket waiting on `serving` (the listener's own loop if nil).
    public func accept(servedBy serving: EventLoop? = nil) async throws -> TCPSocket {
        while true {
            let client = cshim_accept(fd)
            if client >= 0 { return TCPSocket(fd: client, loop: serving ?? loop) }
            switch errno {
            case EINTR, ECONNABORTED, EPROTO: continue
            case EAGAIN, EWOULDBLOCK: _ = try await loop.wait(fd, for: .read)
            default: throw SocketError.system("accept", errno)
            }
        }
    }

    public func close() {
        loop.deregister(fd)
        Glibc.close(fd)
    }
}
