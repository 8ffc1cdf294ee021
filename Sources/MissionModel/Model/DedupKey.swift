/// The content identity of a mission: its normalised objective and constraints, hashed.
/// Two requests that differ only in case or spacing of the description are the same mission;
/// the same objective due at different times (`run_at`, CONTRACT §9) is not.
public enum DedupKey {
    public static func make(objective: Objective, constraints: Constraints, runAt: Timestamp? = nil, after: [String] = []) -> String {
        // The fields joined by U+001F, built as bytes: this runs for every request.
        var canonical: [UInt8] = []
        canonical.reserveCapacity(objective.type.utf8.count + objective.description.utf8.count + 64)
        canonical += objective.type.lowercased().utf8
        canonical.append(0x1F)
        appendNormalised(objective.description, to: &canonical)
        canonical.append(0x1F)
        canonical += constraints.allowedDomains.map { $0.lowercased() }.sorted().joined(separator: ",").utf8
        for number in [String(constraints.maxPages), String(constraints.maxDurationSeconds), String(constraints.maxAttempts)] {
            canonical.append(0x1F)
            canonical += number.utf8
        }
        // Only when set, so that the keys of missions without one stay as they were.
        if let runAt {
            canonical.append(0x1F)
            canonical += runAt.formatted.utf8
        }
        // The same objective after other missions is another mission.
        if !after.isEmpty {
            canonical.append(0x1E)
            canonical += after.sorted().joined(separator: ",").utf8
        }
        return hex(fnv1a128(canonical))
    }

    /// A 128-bit fingerprint of some fields, e.g. a request body (for `Idempotency-Key`).
    public static func fingerprint(_ fields: [String]) -> String {
        hex(fnv1a128(fields.joined(separator: "\u{1F}")))
    }

    /// Lowercases and collapses runs of white space, so "Echo  Hi" and "echo hi" match.
    package static func normalise(_ text: String) -> String {
        text.lowercased().split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }

    /// `normalise(text)`'s bytes; ASCII text (the usual case) is done byte by byte, where
    /// white space is exactly U+0009...U+000D and U+0020.
    package static func appendNormalised(_ text: String, to bytes: inout [UInt8]) {
        guard text.utf8.allSatisfy({ $0 < 0x80 }) else {
            bytes += normalise(text).utf8
            return
        }
        var pendingSpace = false
        var wroteAny = false
        for byte in text.utf8 {
            if byte == 0x20 || (0x09...0x0D).contains(byte) {
                pendingSpace = wroteAny
                continue
            }
            if pendingSpace { bytes.append(0x20); pendingSpace = false }
            bytes.append((0x41...0x5A).contains(byte) ? byte + 0x20 : byte)
            wroteAny = true
        }
    }

    // FNV-1a, 128-bit: no crypto is needed, only a collision-resistant-enough identity.
    package static func fnv1a128(_ text: String) -> UInt128 {
        fnv1a128(text.utf8)
    }

    package static func fnv1a128(_ bytes: some Sequence<UInt8>) -> UInt128 {
        var hash: UInt128 = 0x6c62272e07bb014262b821756295c58d
        let prime: UInt128 = 0x0000000001000000000000000000013B
        for byte in bytes {
            hash ^= UInt128(byte)
            hash = hash &* prime
        }
        return hash
    }

    package static func hex(_ value: UInt128) -> String {
        HexDigits.string(value)
    }
}
