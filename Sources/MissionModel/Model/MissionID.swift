/// Mission identifiers: `m-` and 16 lowercase hex digits. Short enough to type in chat
/// ("status of m-…"), random enough (64 bits) never to collide within a log.
public enum MissionID {
    public static func generate() -> String {
        random(prefix: "m-")
    }

    /// `prefix` and 16 random hex digits: the shape of every id this service makes
    /// (missions `m-`, sessions `s-`, chat messages `c-`).
    public static func random(prefix: String) -> String {
        HexDigits.string(RandomPool.next(), prefix: prefix)
    }

    /// Whether `text` looks like an identifier this service could have issued; also accepts
    /// the earlier service's UUIDs. Used to reject junk before a lookup.
    public static func isPlausible(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= 128 && text.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
        }
    }
}
