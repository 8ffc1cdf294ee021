/// Decodes frames (RFC 6455 §5.2) as an explicit step machine: feed bytes split anywhere and
/// take steps until it needs more. The declared length is checked against the limit before
/// anything is buffered, so a peer cannot make it allocate what it announces.
///
///      0                   1                   2                   3
///      0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
///     +-+-+-+-+-------+-+-------------+-------------------------------+
///     |F|R|R|R| opcode|M| Payload len |    Extended payload length    |
///     |I|S|S|S|  (4)  |A|     (7)     |             (16/64)           |
///     |N|V|V|V|       |S|             |   (if payload len==126/127)   |
///     | |1|2|3|       |K|             |                               |
///     +-+-+-+-+-------+-+-------------+ - - - - - - - - - - - - - - - +
///     |     Extended payload length continued, if payload len == 127  |
///     + - - - - - - - - - - - - - - - +-------------------------------+
///     |                               |Masking-key, if MASK set to 1  |
///     +-------------------------------+-------------------------------+
///     | Masking-key (continued)       |          Payload Data         |
///     +-------------------------------- - - - - - - - - - - - - - - - +
struct WebSocketFrameDecoder {
    enum Step: Equatable {
        case needMoreData
        case frame(WebSocketFrame)
        /// Close the connection with this code; the stream cannot be trusted any more.
        case error(code: UInt16, reason: String)
    }

    /// Servers require masked frames (§5.1); clients require unmasked ones.
    let expectMasked: Bool
    let maxPayload: Int
    private var buffer: [UInt8] = []
    private var index = 0
    private var failure: (code: UInt16, reason: String)?

    init(expectMasked: Bool, maxPayload: Int) {
        self.expectMasked = expectMasked
        self.maxPayload = maxPayload
    }

    mutating func append(_ bytes: some Sequence<UInt8>) {
        if index > 64 << 10 && index * 2 > buffer.count {
            buffer.removeFirst(index)
            index = 0
        }
        buffer.append(contentsOf: bytes)
    }

    var buffered: Int { buffer.count - index }

    mutating func next() -> Step {
        if let failure { return .error(code: failure.code, reason: failure.reason) }
        guard buffered >= 2 else { return .needMoreData }
        let first = buffer[index], second = buffer[index + 1]
        guard first & 0x70 == 0 else { return fail(WebSocketCloseCode.protocolError, "reserved bits set without an extension") }
        guard let opcode = WebSocketOpcode(rawValue: first & 0x0F) else {
            return fail(WebSocketCloseCode.protocolError, "reserved opcode \(first & 0x0F)")
        }
        let fin = first & 0x80 != 0
        let masked = second & 0x80 != 0
        guard masked == expectMasked else {
            return fail(WebSocketCloseCode.protocolError, expectMasked ? "client frames must be masked" : "server frames must not be masked")
        }
        var length = Int(second & 0x7F)
        var headerLength = 2
        if opcode.isControl {
            guard fin else { return fail(WebSocketCloseCode.protocolError, "a fragmented control frame") }
            guard length <= 125 else { return fail(WebSocketCloseCode.protocolError, "a control frame over 125 bytes") }
        }
        if length == 126 {
            guard buffered >= 4 else { return .needMoreData }
            length = Int(buffer[index + 2]) << 8 | Int(buffer[index + 3])
            headerLength = 4
        } else if length == 127 {
            guard buffered >= 10 else { return .needMoreData }
            guard buffer[index + 2] & 0x80 == 0 else { return fail(WebSocketCloseCode.protocolError, "a 64-bit length with its top bit set") }
            var value: UInt64 = 0
            for offset in 2..<10 { value = value << 8 | UInt64(buffer[index + offset]) }
            guard value <= UInt64(maxPayload) else { return fail(WebSocketCloseCode.messageTooBig, "a frame over \(maxPayload) bytes") }
            length = Int(value)
            headerLength = 10
        }
        guard length <= maxPayload else { return fail(WebSocketCloseCode.messageTooBig, "a frame over \(maxPayload) bytes") }
        let maskStart = index + headerLength
        let payloadStart = maskStart + (masked ? 4 : 0)
        guard buffer.count >= payloadStart + length else { return .needMoreData }
        var payload = Array(buffer[payloadStart..<(payloadStart + length)])
        if masked {
            let key = (buffer[maskStart], buffer[maskStart + 1], buffer[maskStart + 2], buffer[maskStart + 3])
            WebSocketFrameEncoder.applyMask(key, to: &payload)
        }
        index = payloadStart + length
        return .frame(WebSocketFrame(fin: fin, opcode: opcode, payload: payload))
    }

    private mutating func fail(_ code: UInt16, _ reason: String) -> Step {
        failure = (code, reason)
        return .error(code: code, reason: reason)
    }
}
