/// The `--store` value: a libpq connection string, a `postgres://` URI (several hosts allowed,
/// `host1:5432,host2:5432`) or `key=value` pairs, passed to libpq as given.
public enum StoreURL {
    public static let environmentVariable = "MISSION_STORE"

    /// Why `text` cannot name a PostgreSQL store, or nil if it can.
    public static func problem(with text: String) -> String? {
        if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") || text.contains("=") { return nil }
        return "--store takes a PostgreSQL connection URI (postgres://USER@HOST[:PORT][,HOST2[:PORT2]]/DB[?PARAMS]) or key=value pairs; got \(redacted(text))"
    }

    /// `text` with any password replaced by `***`, for logs and messages.
    public static func redacted(_ text: String) -> String {
        if let scheme = text.range(of: "://") {
            let rest = text[scheme.upperBound...]
            let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
            guard let at = rest[..<authorityEnd].lastIndex(of: "@"),
                  let colon = rest[..<at].firstIndex(of: ":") else { return hidingParameter(text) }
            return hidingParameter(String(text[..<rest.index(after: colon)]) + "***" + String(rest[at...]))
        }
        return hidingParameter(text)
    }

    /// `password=…` in key=value pairs or URI parameters, hidden.
    private static func hidingParameter(_ text: String) -> String {
        guard let found = text.range(of: "password=") else { return text }
        let end = text[found.upperBound...].firstIndex(where: { $0 == " " || $0 == "&" }) ?? text.endIndex
        return String(text[..<found.upperBound]) + "***" + String(text[end...])
    }
}
