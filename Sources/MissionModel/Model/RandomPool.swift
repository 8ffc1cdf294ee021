import CShim

/// Random numbers from the kernel's CSPRNG, fetched 4 KiB at a time. `SystemRandomNumberGenerator`
/// makes one `getrandom` call per 8 bytes: two system calls for every POST (a mission id and a
/// session id), which `strace -c` counted as the third most frequent call of the server.
/// Buffering keeps the same source and quality; only the calls are fewer.
///
/// Not a `RandomNumberGenerator`: an empty struct passed `inout` has no real address, and
/// ThreadSanitizer's instrumentation of that access crashed the test run.
package enum RandomPool {
    private struct Buffer {
        var words = [UInt64](repeating: 0, count: RandomPool.wordsPerFill)
        var next = RandomPool.wordsPerFill
    }

    package static let wordsPerFill = 512
    private static let shared = Locked(Buffer())

    package static func next() -> UInt64 {
        shared.withLock { buffer in
            if buffer.next == buffer.words.count {
                let status = buffer.words.withUnsafeMutableBytes { cshim_getrandom($0.baseAddress, $0.count) }
                // getrandom fails only without a kernel CSPRNG (before Linux 3.17): fall back
                // to the standard library's source rather than hand out zeros.
                if status != 0 {
                    var system = SystemRandomNumberGenerator()
                    for i in buffer.words.indices { buffer.words[i] = system.next() }
                }
                buffer.next = 0
            }
            defer { buffer.next += 1 }
            return buffer.words[buffer.next]
        }
    }
}
