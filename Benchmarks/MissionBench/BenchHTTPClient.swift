import MissionNet
import MissionService

/// One keep-alive HTTP/1.1 connection for the benchmarks: sends a request, reads one whole
/// answer (Content-Length framed, as every answer of `mission serve` is). It reads the head
/// byte by byte without building strings: it shares the two cores with the server it measures.
final class BenchHTTPClient {
    private let socket: TCPSocket
    private let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65536, alignment: 1)
    private var pending: [UInt8] = []

    init(port: Int, loop: EventLoop) async throws {
        socket = try await TCPSocket.connect(host: "127.0.0.1", port: port, loop: loop)
    }

    deinit {
        buffer.deallocate()
        socket.close()
    }

    func post(_ path: String, json body: String) async throws -> (status: Int, body: [UInt8]) {
        let request = "POST \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
        try await socket.write(Array(request.utf8))
        while true {
            if let (status, bodyStart, length) = try Self.head(of: pending), pending.count >= bodyStart + length {
                let body = Array(pending[bodyStart..<bodyStart + length])
                pending.removeFirst(bodyStart + length)
                return (status, body)
            }
            let count = try await socket.read(into: buffer, deadline: EventLoop.deadline(after: .seconds(30)))
            guard count > 0 else { throw SocketError.peerGone }
            pending += buffer[0..<count]
        }
    }

    /// The status, where the body starts and its length, once the whole head is in `bytes`.
    private static func head(of bytes: [UInt8]) throws -> (status: Int, bodyStart: Int, length: Int)? {
        var lineStart = 0
        var status: Int?
        var length: Int?
        var i = 0
        while i + 1 < bytes.count {
            guard bytes[i] == 0x0D, bytes[i + 1] == 0x0A else {
                i += 1
                continue
            }
            let line = bytes[lineStart..<i]
            if line.isEmpty {
                guard let status, let length else { throw BenchError.failed("an answer without a status or a Content-Length") }
                return (status, i + 2, length)
            }
            if status == nil {
                guard line.count >= 12 else { throw BenchError.failed("a bad status line") }
                status = line.dropFirst(9).prefix(3).reduce(0) { $0 * 10 + Int($1) - 48 }
            } else if line.count > contentLength.count, zip(line, contentLength).allSatisfy({ $0 | 0x20 == $1 }) {
                length = line.dropFirst(contentLength.count).reduce(0) { $1 == 0x20 ? $0 : $0 * 10 + Int($1) - 48 }
            }
            i += 2
            lineStart = i
        }
        return nil
    }

    /// Lowercase; a header name's letters are compared with their 0x20 bit set.
    private static let contentLength = Array("content-length:".utf8)
}
