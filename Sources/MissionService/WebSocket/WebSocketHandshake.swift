import Foundation

/// The opening handshake (RFC 6455 §4.2): checks the upgrade request and computes the accept key.
enum WebSocketHandshake {
    static let guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    /// `Sec-WebSocket-Accept` for a key (§4.2.2): base64 of the SHA-1 of key + GUID.
    static func acceptKey(for key: String) -> String {
        Data(SHA1.hash(Array((key + guid).utf8))).base64EncodedString()
    }

    /// Whether the request asks for a WebSocket at all (then `check` decides how it is answered).
    static func isUpgrade(_ head: HTTPRequestHead) -> Bool {
        head.tokens("upgrade").contains("websocket")
    }

    /// The 101 response bytes for a valid upgrade request, or the error to answer (§4.2.1):
    /// 426 with the supported version for a wrong `Sec-WebSocket-Version`, 400 otherwise.
    enum Outcome {
        /// The `101 Switching Protocols` response, as bytes.
        case accept([UInt8])
        case refuse(HTTPResponse)
    }

    static func check(_ head: HTTPRequestHead) -> Outcome {
        guard head.method == "GET", head.version == .http11 else {
            return .refuse(.error(400, "invalid_request", "a WebSocket upgrade is a GET over HTTP/1.1"))
        }
        guard head.framing == .none else { return .refuse(.error(400, "invalid_request", "a WebSocket upgrade request has no body")) }
        guard isUpgrade(head), head.tokens("connection").contains("upgrade") else {
            return .refuse(.error(400, "invalid_request", "a WebSocket upgrade needs Upgrade: websocket and Connection: Upgrade"))
        }
        guard head.header("sec-websocket-version") == "13" else {
            return .refuse(.error(426, "upgrade_required", "only WebSocket version 13 (RFC 6455) is supported",
                                   headers: [("Sec-WebSocket-Version", "13"), ("Upgrade", "websocket")]))
        }
        guard let key = head.header("sec-websocket-key"), let decoded = Data(base64Encoded: key), decoded.count == 16 else {
            return .refuse(.error(400, "invalid_request", "Sec-WebSocket-Key must be 16 random bytes in base64"))
        }
        // RFC 9110 §15.2: a 1xx response has no Content-Length.
        let response = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: \(acceptKey(for: key))\r\n\r\n"
        return .accept(Array(response.utf8))
    }
}
