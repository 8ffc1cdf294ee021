/// FNV-1a 64 of a line's bytes: a checkpoint names the last line it folded by this hash, so a
/// log that was replaced or rewritten since is noticed and replayed in full.
enum LineHash {
    static func of(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xcbf29ce484222325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x100000001b3
        }
        return hash
    }

    static func of(_ bytes: [UInt8]) -> UInt64 {
        bytes.withUnsafeBufferPointer { of($0) }
    }
}
