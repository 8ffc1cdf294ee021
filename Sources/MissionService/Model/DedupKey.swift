/// The content identity of a mission: its normalised objective and constraints, hashed.
/// Two requests that differ only in case or spacing of the description are the same mission.
public enum DedupKey {
    public static func make(objective: Objective, constraints: Constraints) -> String {
        let canonical = [
            objective.type.lowercased(),
            normalise(objective.description),
            constraints.allowedDomains.map { $0.lowercased() }.sorted().joined(separator: ","),
            String(constraints.maxPages),
            String(constraints.maxDurationSeconds),
            String(constraints.maxAttempts),
        ].joined(separator: "\u{1F}")
        return hex(fnv1a128(canonical))
    }

    /// A 128-bit fingerprint of some fields, e.g. a request body (for `Idempotency-Key`).
    public static func fingerprint(_ fields: [String]) -> String {
        hex(fnv1a128(fields.joined(separator: "\u{1F}")))
    }

    /// Lowercases and collapses runs of white space, so "Echo  Hi" and "echo hi" match.
    static func normalise(_ text: String) -> String {
        text.lowercased().split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }

    // FNV-1a, 128-bit: no crypto is needed, only a collision-resistant-enough identity.
    static func fnv1a128(_ text: String) -> UInt128 {
        var hash: UInt128 = 0x6c62272e07bb014262b821756295c58d
        let prime: UInt128 = 0x0000000001000000000000000000013B
        for byte in text.utf8 {
            hash ^= UInt128(byte)
            hash = hash &* prime
        }
        return hash
    }

    static func hex(_ value: UInt128) -> String {
        HexDigits.string(value)
    }
}
