import Glibc

extension Array where Element == UInt8 {
    /// Whether `needle` occurs in these bytes: `memchr` for its first byte, `memcmp` for the
    /// rest. The standard library's generic `firstRange(of:)` on bytes took a tenth of a
    /// cluster node's CPU where it looked at each record.
    public func contains(bytes needle: [UInt8]) -> Bool {
        guard let first = needle.first else { return true }
        return withUnsafeBytes { haystack in
            needle.withUnsafeBytes { needle in
                guard var at = haystack.baseAddress, haystack.count >= needle.count else { return false }
                let end = at + (haystack.count - needle.count + 1)
                while at < end, let found = memchr(at, Int32(first), end - at) {
                    if memcmp(found, needle.baseAddress!, needle.count) == 0 { return true }
                    at = UnsafeRawPointer(found) + 1
                }
                return false
            }
        }
    }
}
