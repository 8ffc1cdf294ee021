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

/// Reads what `BinaryWriter` wrote; every read is bounds-checked, so a damaged file throws.
struct BinaryReader {
    struct Malformed: Error, CustomStringConvertible {
        var description: String { "malformed checkpoint" }
    }

    private let bytes: [UInt8]
    private(set) var index = 0
    private var interned: [String] = []

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var isAtEnd: Bool { index == bytes.count }

    mutating func raw(_ count: Int) throws -> [UInt8] {
        guard count >= 0, bytes.count - index >= count else { throw Malformed() }
        defer { index += count }
        return Array(bytes[index..<(index + count)])
    }

    mutating func byte() throws -> UInt8 {
        guard index < bytes.count else { throw Malformed() }
        defer { index += 1 }
        return bytes[index]
    }

    mutating func unsigned() throws -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let b = try byte()
            guard shift < 64 else { throw Malformed() }
            value |= UInt64(b & 0x7F) << shift
            if b < 0x80 { return value }
            shift += 7
        }
    }

    mutating func int() throws -> Int {
        let u = try unsigned()
        return Int(Int64(bitPattern: (u >> 1) ^ (0 &- (u & 1))))
    }

    mutating func int64() throws -> Int64 { Int64(try int()) }

    mutating func fixed64() throws -> UInt64 {
        var value: UInt64 = 0
        for shift in stride(from: 0, to: 64, by: 8) { value |= UInt64(try byte()) << UInt64(shift) }
        return value
    }

    mutating func double() throws -> Double { Double(bitPattern: try fixed64()) }

    mutating func bool() throws -> Bool { try byte() != 0 }

    mutating func string() throws -> String {
        let count = try unsigned()
        return try utf8(count)
    }

    mutating func internedString() throws -> String {
        let tag = try unsigned()
        if tag & 1 == 1 {
            let slot = Int(tag >> 1)
            guard slot < interned.count else { throw Malformed() }
            return interned[slot]
        }
        let string = try utf8(tag >> 1)
        interned.append(string)
        return string
    }

    private mutating func utf8(_ count: UInt64) throws -> String {
        guard count <= UInt64(bytes.count - index) else { throw Malformed() }
        let end = index + Int(count)
        defer { index = end }
        guard let string = bytes.withUnsafeBufferPointer({ String(validating: UnsafeBufferPointer(rebasing: $0[index..<end]), as: UTF8.self) }) else {
            throw Malformed()
        }
        return string
    }

    mutating func optional<T>(_ read: (inout BinaryReader) throws -> T) throws -> T? {
        try bool() ? read(&self) : nil
    }
}
