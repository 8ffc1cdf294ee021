import MissionModel
import Glibc

/// The `Date` header value (RFC 9110 §5.6.7, IMF-fixdate), formatted at most once a second.
final class HTTPDate: Sendable {
    private let cache = Locked((second: -1, text: ""))

    func now() -> String {
        var seconds = time(nil)
        return cache.withLock { cache in
            if cache.second != seconds {
                var parts = tm()
                gmtime_r(&seconds, &parts)
                var buffer = [CChar](repeating: 0, count: 64)
                let count = strftime(&buffer, buffer.count, "%a, %d %b %Y %H:%M:%S GMT", &parts)
                cache = (seconds, String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self))
            }
            return cache.text
        }
    }
}
