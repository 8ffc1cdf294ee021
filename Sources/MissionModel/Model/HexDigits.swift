/// Fixed-width lowercase hex, written byte by byte: the generic `String(_:radix:)` cost more
/// than the hashing and random numbers it printed, on every request.
package enum HexDigits {
    /// `prefix` then the 16 hex digits of `value`.
    package static func string(_ value: UInt64, prefix: String = "") -> String {
        var bytes = Array(prefix.utf8)
        bytes.reserveCapacity(bytes.count + 16)
        append(value, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The 32 hex digits of `value`.
    package static func string(_ value: UInt128) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        append(UInt64(truncatingIfNeeded: value >> 64), to: &bytes)
        append(UInt64(truncatingIfNeeded: value), to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func append(_ value: UInt64, to bytes: inout [UInt8]) {
        for shift in stride(from: 60, through: 0, by: -4) {
            let nibble = UInt8(truncatingIfNeeded: value >> UInt64(shift)) & 0xF
            bytes.append(nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10)
        }
    }
}
