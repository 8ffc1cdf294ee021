import MissionNet
/// Takes over connections that upgrade to WebSocket (RFC 6455) on one path. The connection
/// checks the handshake and writes `101 Switching Protocols`; then the upgrader owns the socket
/// until it returns.
public protocol HTTPUpgrader: Sendable {
    var path: String { get }
    /// `leftover`: bytes the client sent after the request head (its first frames, perhaps).
    func run(_ socket: WebSocketSocket, head: HTTPRequestHead, leftover: [UInt8]) async
}

/// A connected socket handed to an upgrader, shareable by its reading and writing tasks.
///
/// `@unchecked Sendable`: the event loop allows one reader and one writer per descriptor at a
/// time; the upgrader reads from one task and writes from one task, and the connection closes
/// the socket only after `run` returns.
public final class WebSocketSocket: @unchecked Sendable {
    let socket: TCPSocket
    init(_ socket: TCPSocket) { self.socket = socket }

    /// For writes that must not wait (the live fan-out), made under the outbound queue's rule.
    var fd: Int32 { socket.fd }

    public func read(into buffer: UnsafeMutableRawBufferPointer, deadline: UInt64?) async throws -> Int {
        try await socket.read(into: buffer, deadline: deadline)
    }

    public func write(_ bytes: [UInt8], deadline: UInt64?) async throws {
        try await socket.write(bytes, deadline: deadline)
    }

    public func writeNow(_ bytes: [UInt8]) { socket.writeNow(bytes) }
    /// Wakes a task blocked reading, which then sees end of stream.
    public func shutdownReading() { socket.shutdownReading() }
}
