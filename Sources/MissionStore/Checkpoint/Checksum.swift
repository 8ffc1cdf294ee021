/// A checksum of a checkpoint body, eight bytes at a time (a byte-wise FNV over tens of MB
/// was the largest cost of a start from a checkpoint). It only has to catch damage, not
/// resist an adversary. Feeding it in pieces gives the same result as feeding it whole, as
/// long as every piece but the last is a multiple of 8 bytes.
struct Checksum {
    private(set) var value: UInt64 = 0xcbf29ce484222325

    mutating func add(_ bytes: UnsafeRawBufferPointer) {
        var index = 0
        var hash = value
        while index + 8 <= bytes.count {
            hash = (hash ^ bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)) &* 0x9E3779B97F4A7C15
            hash ^= hash >> 29
            index += 8
        }
        while index < bytes.count {
            hash = (hash ^ UInt64(bytes[index])) &* 0x100000001b3
            index += 1
        }
        value = hash
    }

    static func of(_ bytes: [UInt8]) -> UInt64 {
        var checksum = Checksum()
        bytes.withUnsafeBytes { checksum.add($0) }
        return checksum.value
    }
}
