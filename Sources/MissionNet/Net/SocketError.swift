import MissionModel
import Glibc

/// Why a socket operation failed. A peer hanging up is not among them: reads report it as
/// end of stream.
public enum SocketError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A system call failed with this errno.
    case system(String, Int32)
    /// The deadline passed before the peer was ready.
    case timedOut
    /// The descriptor was closed or the event loop stopped while waiting.
    case closed
    /// The peer reset the connection or stopped reading (EPIPE, ECONNRESET).
    case peerGone
    case invalidAddress(String)

    public var description: String {
        switch self {
        case .system(let call, let code): return "\(call): \(String(cString: strerror(code)))"
        case .timedOut: return "timed out"
        case .closed: return "socket closed"
        case .peerGone: return "the peer closed the connection"
        case .invalidAddress(let host): return "'\(host)' is not an IPv4 or IPv6 address; give a numeric host such as 127.0.0.1"
        }
    }
}
