/// Encodes frames (RFC 6455 §5.2). The server never masks (§5.1); a client masks with a fresh
/// random key per frame.
enum WebSocketFrameEncoder {
    static func encode(_ opcode: WebSocketOpcode, _ payload: [UInt8], fin: Bool = true, mask: (UInt8, UInt8, UInt8, UInt8)? = nil) -> [UInt8] {
        var frame: [UInt8] = []
        frame.reserveCapacity(payload.count + 14)
        frame.append((fin ? 0x80 : 0) | opcode.rawValue)
        let maskBit: UInt8 = mask == nil ? 0 : 0x80
        switch payload.count {
        case ..<126:
            frame.append(maskBit | UInt8(payload.count))
        case ..<65536:
            frame.append(maskBit | 126)
            frame.append(UInt8(payload.count >> 8))
            frame.append(UInt8(payload.count & 0xFF))
        default:
            frame.append(maskBit | 127)
            for shift in stride(from: 56, through: 0, by: -8) { frame.append(UInt8(truncatingIfNeeded: payload.count >> shift)) }
        }
        guard let mask else {
            frame.append(contentsOf: payload)
            return frame
        }
        frame.append(contentsOf: [mask.0, mask.1, mask.2, mask.3])
        var masked = payload
        applyMask(mask, to: &masked)
        frame.append(contentsOf: masked)
        return frame
    }

    /// A close frame: the code, then a reason cut to fit the 125-byte control limit.
    static func close(code: UInt16, reason: String) -> [UInt8] {
        encode(.close, closePayload(code: code, reason: reason))
    }

    static func closePayload(code: UInt16, reason: String) -> [UInt8] {
        var payload = [UInt8(code >> 8), UInt8(code & 0xFF)]
        var reasonBytes = Array(reason.utf8.prefix(123))
        // Never cut inside a UTF-8 sequence: drop continuation bytes, then a dangling lead byte.
        while let last = reasonBytes.last, String(validating: reasonBytes, as: UTF8.self) == nil, last & 0x80 != 0 { reasonBytes.removeLast() }
        payload += reasonBytes
        return payload
    }

    /// XORs `payload` with the 4-byte key (§5.3); masking and unmasking are the same.
    static func applyMask(_ key: (UInt8, UInt8, UInt8, UInt8), to payload: inout [UInt8]) {
        let bytes = [key.0, key.1, key.2, key.3]
        for i in payload.indices { payload[i] ^= bytes[i & 3] }
    }
}
