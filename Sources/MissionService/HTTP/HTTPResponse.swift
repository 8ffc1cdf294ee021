import MissionModel
/// A response to write: status, headers and a body held whole (every answer here is small).
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    /// Close the connection after this response (errors that leave the stream untrusted).
    public var closeConnection = false
    /// The route pattern that produced it, for metrics and the access log.
    public var route: String?

    public init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// One shared array for the most common header list (arrays are copied on write only).
    public static let jsonHeaders: [(name: String, value: String)] = [("Content-Type", "application/json")]

    public static func json(_ status: Int, _ object: JSONObject, headers: [(name: String, value: String)] = []) -> HTTPResponse {
        var body = JSONWriter.encode(object)
        body.append(0x0A)
        return HTTPResponse(status: status, headers: headers.isEmpty ? jsonHeaders : jsonHeaders + headers, body: body)
    }

    /// A JSON answer written straight from the value's members.
    public static func json(_ status: Int, members value: some JSONMembers, headers: [(name: String, value: String)] = []) -> HTTPResponse {
        var body = JSONWriter.encode(members: value, reserve: 512)
        body.append(0x0A)
        return HTTPResponse(status: status, headers: headers.isEmpty ? jsonHeaders : jsonHeaders + headers, body: body)
    }

    /// CONTRACT §4's error shape: `{"error": {"code", "message"}}`.
    public static func error(_ status: Int, _ code: String, _ message: String, headers: [(name: String, value: String)] = []) -> HTTPResponse {
        json(status, ["error": .object(["code": .string(code), "message": .string(message)])], headers: headers)
    }

    /// The status line and headers (RFC 9112 §4, §6.3): always a `Content-Length`, even for
    /// HEAD (the length the GET would have); `Connection: close` when the connection ends.
    func serializedHead(date: String, keepAlive: Bool) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(160)
        appendHead(to: &bytes, date: date, keepAlive: keepAlive)
        return bytes
    }

    /// `serializedHead`, written straight into a connection's output.
    func appendHead(to bytes: inout [UInt8], date: String, keepAlive: Bool) {
        func put(_ text: String) { bytes.append(contentsOf: text.utf8) }
        put("HTTP/1.1 ")
        put(String(status))
        put(" ")
        put(HTTPStatus.reason(status))
        put("\r\n")
        for header in headers {
            put(header.name)
            put(": ")
            put(header.value)
            put("\r\n")
        }
        put("Content-Length: ")
        put(String(body.count))
        put("\r\nDate: ")
        put(date)
        put(keepAlive ? "\r\n\r\n" : "\r\nConnection: close\r\n\r\n")
    }
}
