/// Turns frames into messages (RFC 6455 §5.4, §5.5, §8.1): reassembles fragments, lets control
/// frames through between them, checks the message limit and UTF-8 of whole text messages, and
/// validates close frames. Pure: the caller performs what it returns.
struct WebSocketMessageAssembler {
    enum Event: Equatable {
        case text(String)
        case ping([UInt8])
        case pong([UInt8])
        /// The peer closes; `code` is nil when it sent none (report 1005, answer 1000).
        case close(code: UInt16?, reason: String)
        /// Close the connection with this code.
        case fail(code: UInt16, reason: String)
    }

    let maxMessage: Int
    private var fragments: [UInt8] = []
    private var fragmentedOpcode: WebSocketOpcode?

    init(maxMessage: Int) {
        self.maxMessage = maxMessage
    }

    /// The event a frame completes, or nil (a fragment that is not the last).
    mutating func receive(_ frame: WebSocketFrame) -> Event? {
        switch frame.opcode {
        case .ping: return .ping(frame.payload)
        case .pong: return .pong(frame.payload)
        case .close: return close(frame.payload)
        case .text, .binary:
            guard fragmentedOpcode == nil else { return .fail(code: WebSocketCloseCode.protocolError, reason: "a new message inside a fragmented one") }
            if frame.fin { return complete(frame.opcode, frame.payload) }
            fragmentedOpcode = frame.opcode
            fragments = frame.payload
            return nil
        case .continuation:
            guard let opcode = fragmentedOpcode else { return .fail(code: WebSocketCloseCode.protocolError, reason: "a continuation frame with no message to continue") }
            guard fragments.count + frame.payload.count <= maxMessage else {
                return .fail(code: WebSocketCloseCode.messageTooBig, reason: "a message over \(maxMessage) bytes")
            }
            fragments += frame.payload
            guard frame.fin else { return nil }
            defer {
                fragments = []
                fragmentedOpcode = nil
            }
            return complete(opcode, fragments)
        }
    }

    private func complete(_ opcode: WebSocketOpcode, _ payload: [UInt8]) -> Event {
        guard opcode == .text else { return .fail(code: WebSocketCloseCode.unsupportedData, reason: "binary messages are not supported; send JSON text") }
        // Validated whole: a code point may be split across fragments (§8.1).
        guard let text = String(validating: payload, as: UTF8.self) else {
            return .fail(code: WebSocketCloseCode.invalidPayload, reason: "a text message that is not valid UTF-8")
        }
        return .text(text)
    }

    private func close(_ payload: [UInt8]) -> Event {
        if payload.isEmpty { return .close(code: nil, reason: "") }
        guard payload.count >= 2 else { return .fail(code: WebSocketCloseCode.protocolError, reason: "a close frame with a 1-byte body") }
        let code = UInt16(payload[0]) << 8 | UInt16(payload[1])
        guard WebSocketCloseCode.isValidReceived(code) else { return .fail(code: WebSocketCloseCode.protocolError, reason: "close code \(code) may not be sent") }
        guard let reason = String(validating: payload[2...], as: UTF8.self) else {
            return .fail(code: WebSocketCloseCode.invalidPayload, reason: "a close reason that is not valid UTF-8")
        }
        return .close(code: code, reason: reason)
    }
}
