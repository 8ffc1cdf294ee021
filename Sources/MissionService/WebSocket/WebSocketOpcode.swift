/// Frame opcodes (RFC 6455 §5.2); the rest are reserved and refused with 1002.
enum WebSocketOpcode: UInt8, Sendable {
    case continuation = 0x0
    case text = 0x1
    case binary = 0x2
    case close = 0x8
    case ping = 0x9
    case pong = 0xA

    /// Control frames (§5.5): at most 125 bytes of payload, never fragmented.
    var isControl: Bool { rawValue & 0x8 != 0 }
}

/// One frame, its payload unmasked.
struct WebSocketFrame: Sendable, Equatable {
    var fin: Bool
    var opcode: WebSocketOpcode
    var payload: [UInt8]
}
