/// The token that guards state-changing requests (CONTRACT §4). Compared in constant time, so
/// that response timing does not reveal how much of a guess was right; never printed.
public struct BearerToken: Sendable, CustomStringConvertible {
    private let bytes: [UInt8]

    public init?(_ token: String?) {
        guard let token, !token.isEmpty else { return nil }
        bytes = Array(token.utf8)
    }

    /// Whether an `Authorization` header value is `Bearer <this token>` (scheme case-insensitive, RFC 9110 §11.1).
    public func accepts(authorization: String?) -> Bool {
        guard let authorization, authorization.count > 7, authorization.prefix(7).lowercased() == "bearer " else { return false }
        return matches(Array(authorization.utf8.dropFirst(7)))
    }

    public func matches(_ candidate: [UInt8]) -> Bool {
        // Every byte of the longer input is visited, whatever differs first.
        var difference = UInt8(truncatingIfNeeded: candidate.count ^ bytes.count) | (candidate.count == bytes.count ? 0 : 1)
        for index in 0..<max(candidate.count, bytes.count) {
            let a = index < candidate.count ? candidate[index] : 0
            let b = index < bytes.count ? bytes[index] : 0
            difference |= a ^ b
        }
        return difference == 0
    }

    public var description: String { "<token>" }
}
