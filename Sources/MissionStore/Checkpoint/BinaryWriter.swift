/// A compact binary encoding for checkpoints: LEB128 varints (zig-zag for signed values) and
/// length-prefixed UTF-8. Repeated categorical strings go through an intern table, so that
/// a million timeline entries share a handful of string buffers after loading.
struct BinaryWriter {
    private(set) var bytes: [UInt8] = []
    private var interned: [String: Int] = [:]

    mutating func raw(_ data: [UInt8]) { bytes.append(contentsOf: data) }

    mutating func unsigned(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    mutating func int(_ value: Int) {
        let v = Int64(value)
        unsigned(UInt64(bitPattern: (v << 1) ^ (v >> 63)))
    }

    mutating func int64(_ value: Int64) { int(Int(value)) }

    mutating func fixed64(_ value: UInt64) {
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    mutating func double(_ value: Double) { fixed64(value.bitPattern) }

    mutating func bool(_ value: Bool) { bytes.append(value ? 1 : 0) }

    mutating func string(_ value: String) {
        unsigned(UInt64(value.utf8.count))
        bytes.append(contentsOf: value.utf8)
    }

    /// Writes a reference to an earlier copy of `value`, or the string itself the first time.
    mutating func internedString(_ value: String) {
        if let index = interned[value] {
            unsigned(UInt64(index) << 1 | 1)
        } else {
            interned[value] = interned.count
            unsigned(UInt64(value.utf8.count) << 1)
            bytes.append(contentsOf: value.utf8)
        }
    }

    mutating func optional<T>(_ value: T?, _ write: (inout BinaryWriter, T) -> Void) {
        if let value {
            bytes.append(1)
            write(&self, value)
        } else {
            bytes.append(0)
        }
    }
}
