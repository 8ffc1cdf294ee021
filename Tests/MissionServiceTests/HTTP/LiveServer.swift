import MissionModel
import MissionNet
@testable import MissionStore
import Foundation
import MissionTestSupport
import Testing
@testable import MissionService

/// A `MissionServer` running in this process on a free port of 127.0.0.1, over a temporary
/// data directory; `stop()` shuts it down the way SIGTERM does.
final class LiveServer: Sendable {
    let dir: TemporaryDirectory
    let server: MissionServer
    let loop: EventLoop
    private let stopSignal: AsyncStream<Void>.Continuation
    private let running: Task<Void, any Error>

    init(dir: TemporaryDirectory = TemporaryDirectory(), configure: (inout MissionServer.Options) -> Void = { _ in }) throws {
        self.dir = dir
        var options = MissionServer.Options(dataDirectory: DataDirectory(path: dir.path))
        options.http.port = 0
        options.runtime.tools = ToolRegistry([EchoTool()])
        configure(&options)
        server = try MissionServer(options)
        loop = try EventLoop()
        let (stream, continuation) = AsyncStream<Void>.makeStream()
        stopSignal = continuation
        let server = server
        running = Task { try await server.run { for await _ in stream { break } } }
    }

    var port: Int { server.port }

    /// A new connection to the server.
    func connect() async throws -> TestClient {
        TestClient(socket: try await TCPSocket.connect(host: "127.0.0.1", port: port, loop: loop, deadline: EventLoop.deadline(after: hangLimit)))
    }

    /// One request on a new connection.
    func request(_ method: String, _ target: String, body: String? = nil, headers: [String: String] = [:]) async throws -> TestResponse {
        let client = try await connect()
        try await client.send(TestClient.request(method, target, body: body, headers: headers))
        return try await client.response(head: method == "HEAD")
    }

    /// Waits until `check` holds, looking again at each commit to the missions log (what it
    /// asks about changes only with one), within `hangLimit`.
    func untilCommitted(_ check: () async throws -> Bool) async rethrows -> Bool {
        let deadline = ContinuousClock.now + hangLimit
        let log = server.runtime.store.log
        while true {
            let seen = log.lastSeq
            if try await check() { return true }
            guard await withDeadline(deadline, { await log.waitForCommit(after: seen) ? true : nil }) == true else { return try await check() }
        }
    }

    func stop() async throws {
        stopSignal.yield()
        try await running.value
        loop.stop()
    }
}

/// A raw HTTP/1.1 client over one socket: sends bytes as given, reads responses one by one.
final class TestClient: @unchecked Sendable {
    // `@unchecked`: each test uses its client from one task at a time.
    let socket: TCPSocket
    private var buffer: [UInt8] = []

    init(socket: TCPSocket) {
        self.socket = socket
    }

    static func request(_ method: String, _ target: String, body: String? = nil, headers: [String: String] = [:]) -> String {
        var text = "\(method) \(target) HTTP/1.1\r\n" + (headers.keys.contains("Host") ? "" : "Host: localhost\r\n")
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) { text += "\(name): \(value)\r\n" }
        if let body { text += "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)" } else { text += "\r\n" }
        return text
    }

    func send(_ text: String) async throws {
        try await socket.write(Array(text.utf8), deadline: EventLoop.deadline(after: hangLimit))
    }

    /// More input; false at end of stream.
    private func fill() async throws -> Bool {
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 65536, alignment: 1)
        defer { chunk.deallocate() }
        let count = try await socket.read(into: chunk, deadline: EventLoop.deadline(after: hangLimit))
        buffer += chunk[0..<count]
        return count > 0
    }

    /// The next response (`head`: the request was HEAD, so no body follows the headers).
    func response(head: Bool = false) async throws -> TestResponse {
        while true {
            if let end = buffer.firstRange(of: Array("\r\n\r\n".utf8)) {
                let text = String(decoding: buffer[..<end.lowerBound], as: UTF8.self)
                var lines = text.components(separatedBy: "\r\n")
                let status = Int(lines.removeFirst().split(separator: " ")[1])!
                let headers = lines.map { line -> (String, String) in
                    let colon = line.firstIndex(of: ":")!
                    return (line[..<colon].lowercased(), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
                }
                let length = status == 100 || head ? 0 : Int(headers.first { $0.0 == "content-length" }?.1 ?? "0")!
                while buffer.count < end.upperBound + length {
                    guard try await fill() else { throw SocketError.peerGone }
                }
                let body = Array(buffer[end.upperBound..<(end.upperBound + length)])
                buffer.removeFirst(end.upperBound + length)
                return TestResponse(status: status, headers: headers, body: body)
            }
            guard try await fill() else { throw SocketError.peerGone }
        }
    }

    /// Whether the server closes the connection (end of stream) with nothing more to read.
    func isClosedByServer() async throws -> Bool {
        guard buffer.isEmpty else { return false }
        return try await !fill()
    }
}

struct TestResponse {
    var status: Int
    var headers: [(String, String)]
    var body: [UInt8]

    func header(_ name: String) -> String? { headers.first { $0.0 == name.lowercased() }?.1 }
    var json: JSONObject { (try? JSONParser.parse(body).objectValue) ?? [:] }
    var errorCode: String? { json["error"]?.objectValue?["code"]?.stringValue }
    var text: String { String(decoding: body, as: UTF8.self) }
}
