import MissionModel
import MissionNet
import Foundation

/// A small RFC 6455 client over our own sockets (FoundationNetworking's WebSocket does not
/// work on Linux): for `mission tail --server` and the tests. Masks every frame it sends, as
/// a client must (§5.3), and refuses masked frames from the server.
public final class WebSocketClient: @unchecked Sendable {
    // `@unchecked`: one task uses a client at a time.
    public enum Message: Equatable, Sendable {
        case text(String)
        /// The server closed (its code, or nil when it sent none).
        case closed(code: UInt16?, reason: String)
    }

    public static let maxMessageBytes = 16 << 20
    private let socket: TCPSocket
    private let loop: EventLoop
    private var decoder = WebSocketFrameDecoder(expectMasked: false, maxPayload: maxMessageBytes)
    private var assembler = WebSocketMessageAssembler(maxMessage: maxMessageBytes)
    private let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 << 10, alignment: 1)

    /// Connects to `ws://host:port/target` and completes the opening handshake.
    public static func connect(host: String, port: Int, target: String, headers: [String: String] = [:],
                               loop: EventLoop, timeout: Duration = .seconds(10)) async throws -> WebSocketClient {
        let address = host == "localhost" ? "127.0.0.1" : host
        let socket = try await TCPSocket.connect(host: address, port: port, loop: loop, deadline: EventLoop.deadline(after: timeout))
        let client = WebSocketClient(socket: socket, loop: loop)
        try await client.handshake(host: host, port: port, target: target, headers: headers, timeout: timeout)
        return client
    }

    private init(socket: TCPSocket, loop: EventLoop) {
        self.socket = socket
        self.loop = loop
    }

    deinit {
        buffer.deallocate()
    }

    private func handshake(host: String, port: Int, target: String, headers: [String: String], timeout: Duration) async throws {
        let key = Data((0..<16).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        var request = "GET \(target) HTTP/1.1\r\nHost: \(host):\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: \(key)\r\nSec-WebSocket-Version: 13\r\n"
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        try await socket.write(Array((request + "\r\n").utf8), deadline: EventLoop.deadline(after: timeout))
        var received: [UInt8] = []
        let deadline = EventLoop.deadline(after: timeout)
        while received.firstRange(of: Array("\r\n\r\n".utf8)) == nil {
            let count = try await socket.read(into: buffer, deadline: deadline)
            guard count > 0, received.count < 64 << 10 else { throw WebSocketClientError.handshake("the server closed during the handshake") }
            received += buffer[0..<count]
        }
        let end = received.firstRange(of: Array("\r\n\r\n".utf8))!
        let head = String(decoding: received[..<end.lowerBound], as: UTF8.self)
        let lines = head.components(separatedBy: "\r\n")
        guard lines.first?.hasPrefix("HTTP/1.1 101") == true else {
            throw WebSocketClientError.handshake("the server answered \(lines.first ?? "nothing"): \(String(decoding: received[end.upperBound...].prefix(300), as: UTF8.self))")
        }
        let accept = lines.dropFirst().first { $0.lowercased().hasPrefix("sec-websocket-accept:") }?.split(separator: ":", maxSplits: 1).last?
            .trimmingCharacters(in: .whitespaces)
        guard accept == WebSocketHandshake.acceptKey(for: key) else { throw WebSocketClientError.handshake("wrong Sec-WebSocket-Accept") }
        decoder.append(received[end.upperBound...])
    }

    /// Sends a text message (one masked frame).
    public func send(_ text: String) async throws {
        try await sendFrame(.text, Array(text.utf8))
    }

    func sendFrame(_ opcode: WebSocketOpcode, _ payload: [UInt8], fin: Bool = true) async throws {
        let mask = (UInt8.random(in: 0...255), UInt8.random(in: 0...255), UInt8.random(in: 0...255), UInt8.random(in: 0...255))
        try await socket.write(WebSocketFrameEncoder.encode(opcode, payload, fin: fin, mask: mask), deadline: EventLoop.deadline(after: .seconds(30)))
    }

    /// The next message; answers pings. `deadline` nil waits for ever.
    public func receive(deadline: UInt64? = nil) async throws -> Message {
        while true {
            switch decoder.next() {
            case .frame(let frame):
                switch assembler.receive(frame) {
                case nil, .pong: continue
                case .text(let text): return .text(text)
                case .ping(let payload): try await sendFrame(.pong, payload)
                case .close(let code, let reason):
                    try? await sendFrame(.close, WebSocketFrameEncoder.closePayload(code: code ?? WebSocketCloseCode.normal, reason: ""))
                    return .closed(code: code, reason: reason)
                case .fail(let code, let reason):
                    throw WebSocketClientError.protocolViolation(code: code, reason: reason)
                }
            case .error(let code, let reason):
                throw WebSocketClientError.protocolViolation(code: code, reason: reason)
            case .needMoreData:
                let count = try await socket.read(into: buffer, deadline: deadline)
                guard count > 0 else { return .closed(code: nil, reason: "the connection ended without a close frame") }
                decoder.append(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            }
        }
    }

    /// Writes bytes as given, frames or not: for testing how a server takes broken input.
    func sendRaw(_ bytes: [UInt8]) async throws {
        try await socket.write(bytes, deadline: EventLoop.deadline(after: .seconds(30)))
    }

    /// Starts the closing handshake (§7.1.2).
    public func close(code: UInt16 = 1000) async {
        try? await sendFrame(.close, WebSocketFrameEncoder.closePayload(code: code, reason: ""))
        socket.close()
    }

    /// Drops the connection without a close frame (as a crash or a network cut would).
    public func abort() {
        socket.close()
    }
}

public enum WebSocketClientError: Error, CustomStringConvertible {
    case handshake(String)
    case protocolViolation(code: UInt16, reason: String)

    public var description: String {
        switch self {
        case .handshake(let why): return "WebSocket handshake failed: \(why)"
        case .protocolViolation(let code, let reason): return "the server broke the WebSocket protocol (\(code)): \(reason)"
        }
    }
}
