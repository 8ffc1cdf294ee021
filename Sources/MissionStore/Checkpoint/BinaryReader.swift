import MissionModel
/// Reads what `BinaryWriter` wrote, streaming a file in chunks so that a checkpoint never has
/// to fit in memory twice. It hashes every byte it loads; `finish` compares that with the
/// trailer. Every read is bounds-checked, so a damaged file throws and never traps.
struct BinaryReader {
    struct Malformed: Error, CustomStringConvertible {
        var description: String { "malformed checkpoint" }
    }

    static let chunkSize = 1 << 20

    private let file: LogFile
    private var buffer: [UInt8] = []
    private var index = 0
    private var fileOffset = 0
    private let end: Int
    private var checksum = Checksum()
    private var interned: [String] = []

    /// Reads `file` up to `end`, the offset where the body stops and the trailer starts.
    init(file: LogFile, end: Int) {
        self.file = file
        self.end = end
    }

    var isAtEnd: Bool { fileOffset == end && index == buffer.count }

    /// Where in the file the next byte is read from.
    var offset: Int { fileOffset - (buffer.count - index) }

    /// Starts a new intern table: what follows was written by a writer of its own.
    mutating func forgetInterned() { interned.removeAll(keepingCapacity: true) }

    /// True when the hash of everything loaded equals `expected` (call once at the end).
    func hashMatches(_ expected: UInt64) -> Bool { checksum.value == expected }

    /// Makes `count` bytes available at `index`, loading (and hashing) more of the file.
    @inline(__always)
    private mutating func ensure(_ count: Int) throws {
        if buffer.count - index >= count { return }
        try refill(count)
    }

    private mutating func refill(_ count: Int) throws {
        guard count <= end - fileOffset + (buffer.count - index) else { throw Malformed() }
        buffer.removeFirst(index)
        index = 0
        while buffer.count < count {
            // Multiples of 8 until the end, so that the checksum sees the writer's alignment.
            let wanted = (max(Self.chunkSize, count - buffer.count) + 7) & ~7
            let chunk = try file.read(at: fileOffset, count: min(wanted, end - fileOffset))
            chunk.withUnsafeBytes { checksum.add($0) }
            fileOffset += chunk.count
            buffer += chunk
        }
    }

    mutating func raw(_ count: Int) throws -> [UInt8] {
        guard count >= 0 else { throw Malformed() }
        try ensure(count)
        defer { index += count }
        return Array(buffer[index..<(index + count)])
    }

    @inline(__always)
    mutating func byte() throws -> UInt8 {
        try ensure(1)
        defer { index += 1 }
        return buffer[index]
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
        try utf8(try unsigned())
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
        guard count <= UInt64(end) else { throw Malformed() }
        let length = Int(count)
        try ensure(length)
        let start = index
        index += length
        guard let string = buffer.withUnsafeBufferPointer({ String(validating: UnsafeBufferPointer(rebasing: $0[start..<(start + length)]), as: UTF8.self) }) else {
            throw Malformed()
        }
        return string
    }

    @inline(__always)
    mutating func optional<T>(_ read: (inout BinaryReader) throws -> T) throws -> T? {
        try bool() ? read(&self) : nil
    }
}
