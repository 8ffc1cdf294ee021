/// What went wrong talking to PostgreSQL. Messages are libpq's and the server's own (they
/// never contain a password).
public enum PostgresError: Error, Sendable, Equatable, CustomStringConvertible {
    /// libpq could not be loaded: cluster mode cannot run on this machine as it is.
    case libraryMissing(String)
    /// No connection could be made, or it was lost.
    case connection(String)
    /// The server answered with an error (SQLSTATE and message).
    case server(sqlstate: String, message: String)
    /// No answer within the time allowed.
    case timedOut(String)
    /// The schema in the store is not one this build can use.
    case schema(String)

    public var description: String {
        switch self {
        case .libraryMissing(let detail):
            return "cluster mode needs libpq, the PostgreSQL client library, which could not be loaded (\(detail)); "
                + "install it (Debian and Ubuntu: apt-get install libpq5) or name it with MISSION_LIBPQ=/path/to/libpq.so.5"
        case .connection(let message): return "PostgreSQL: \(message)"
        case .server(let sqlstate, let message): return "PostgreSQL error \(sqlstate): \(message)"
        case .timedOut(let what): return "PostgreSQL: \(what)"
        case .schema(let message): return message
        }
    }

    /// The server's error code, for callers that act on one (23505: a unique constraint).
    public var sqlstate: String? {
        if case .server(let sqlstate, _) = self { return sqlstate }
        return nil
    }
}
