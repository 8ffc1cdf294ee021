import MissionService

/// One keep-alive HTTP/1.1 connection for the benchmarks: sends a request, reads one whole
/// answer (Content-Length framed, as every answer of `mission serve` is).
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
        let request = "POST \(path) HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
        try await socket.write(Array(request.utf8))
        while true {
            if let end = pending.firstRange(of: Self.headEnd) {
                let head = String(decoding: pending[..<end.lowerBound], as: UTF8.self)
                let lines = head.split(separator: "\r\n")
                guard let statusLine = lines.first, statusLine.count >= 12, let status = Int(statusLine.dropFirst(9).prefix(3)),
                      let length = lines.first(where: { $0.lowercased().hasPrefix("content-length:") })
                        .flatMap({ Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) }) else {
                    throw BenchError.failed("unreadable answer: \(head.prefix(200))")
                }
                if pending.count >= end.upperBound + length {
                    let body = Array(pending[end.upperBound..<end.upperBound + length])
                    pending.removeFirst(end.upperBound + length)
                    return (status, body)
                }
            }
            let count = try await socket.read(into: buffer, deadline: EventLoop.deadline(after: .seconds(30)))
            guard count > 0 else { throw SocketError.peerGone }
            pending += buffer[0..<count]
        }
    }

    private static let headEnd = Array("\r\n\r\n".utf8)
}
