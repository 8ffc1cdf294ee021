import CShim
import Glibc
import MissionModel
import MissionNet

/// One libpq connection driven by its non-blocking API on an `EventLoop`: a task that waits for
/// the server waits on the loop, never blocking a thread of the cooperative pool. Owned by one
/// task at a time (it is not `Sendable`): a statement is sent and its results read before the
/// next one, as libpq requires outside pipeline mode. (It is `@unchecked Sendable` only so that
/// a pool can hand it from one task to the next; it is never used by two at once.)
public final class PostgresConnection: @unchecked Sendable {
    private let conn: OpaquePointer
    private let loop: EventLoop
    private var fd: Int32
    private var closed = false

    private init(conn: OpaquePointer, loop: EventLoop, fd: Int32) {
        self.conn = conn
        self.loop = loop
        self.fd = fd
    }

    /// Connects with `conninfo` (a `postgres://` URI or `key=value` pairs; libpq also reads the
    /// `PG*` variables and `.pgpass`), trying each host it names in turn, within `timeout`.
    public static func connect(_ conninfo: String, loop: EventLoop, timeout: Duration = defaultConnectTimeout) async throws(PostgresError) -> PostgresConnection {
        try LibPQ.load()
        guard let conn = cshim_pq_connect_start(conninfo) else { throw .connection("out of memory starting a connection") }
        if cshim_pq_status(conn) == Int32(CSHIM_CONNECTION_BAD) {
            let message = errorMessage(conn)
            cshim_pq_finish(conn)
            throw .connection(message)
        }
        let deadline = EventLoop.deadline(after: timeout)
        while true {
            let step = cshim_pq_connect_poll(conn)
            let fd = cshim_pq_socket(conn)
            let interest: EventLoop.Interest
            switch step {
            case Int32(CSHIM_PGRES_POLLING_OK):
                guard cshim_pq_set_nonblocking(conn, 1) == 0 else {
                    let message = errorMessage(conn)
                    cshim_pq_finish(conn)
                    throw .connection(message)
                }
                return PostgresConnection(conn: conn, loop: loop, fd: fd)
            case Int32(CSHIM_PGRES_POLLING_READING): interest = .read
            case Int32(CSHIM_PGRES_POLLING_WRITING): interest = .write
            default:
                let message = errorMessage(conn)
                cshim_pq_finish(conn)
                throw .connection(message)
            }
            let readiness: EventLoop.Readiness
            do {
                readiness = try await loop.wait(fd, for: interest, deadline: deadline)
            } catch {
                loop.deregister(fd)
                cshim_pq_finish(conn)
                throw .connection("connecting was interrupted: \(error)")
            }
            // libpq may close this socket and open another (the next host, or a retry without
            // SSL) in the next step, and the new one may get the same number: forget it now,
            // while it is still this one.
            loop.deregister(fd)
            if readiness == .timedOut {
                cshim_pq_finish(conn)
                throw .timedOut("no connection within \(timeout)")
            }
        }
    }

    /// libpq's message for the connection, on one line (it spreads some over several).
    private static func errorMessage(_ conn: OpaquePointer?) -> String {
        guard let text = cshim_pq_error_message(conn) else { return "unknown error" }
        return String(cString: text).split(whereSeparator: \.isNewline)
            .map { $0.trimmed(while: \.isWhitespace) }.filter { !$0.isEmpty }.joined(separator: " ")
    }

    /// The server process serving this session (as notifications name their sender).
    public func backendPID() async throws(PostgresError) -> Int32 {
        Int32(try await query("SELECT pg_backend_pid()").scalar ?? "0") ?? 0
    }

    /// The server's version number, e.g. 150018.
    public var serverVersion: Int { Int(cshim_pq_server_version(conn)) }

    /// Runs one statement `sql` with text parameters `$1…` (nil: NULL); returns its rows. A
    /// server error throws `.server`.
    @discardableResult
    public func query(_ sql: String, _ parameters: [String?] = [], timeout: Duration = defaultTimeout) async throws(PostgresError) -> PostgresResult {
        guard !closed else { throw .connection("the connection is closed") }
        let sent = withCStrings(parameters) { values in
            cshim_pq_send_query_params(conn, sql, Int32(values.count), values)
        }
        guard sent == 1 else { throw lost() }
        return try await results(deadline: EventLoop.deadline(after: timeout))
    }

    /// Runs a script of statements without parameters (the simple protocol); returns the rows
    /// of the last. The first error throws, and the statements after it are not run.
    @discardableResult
    public func execute(_ script: String, timeout: Duration = defaultTimeout) async throws(PostgresError) -> PostgresResult {
        guard !closed else { throw .connection("the connection is closed") }
        guard cshim_pq_send_query(conn, script) == 1 else { throw lost() }
        return try await results(deadline: EventLoop.deadline(after: timeout))
    }

    /// How long a connection (every host it names, in turn) may take by default.
    public static let defaultConnectTimeout: Duration = .seconds(10)

    /// How long a statement may take by default before the connection gives up on it.
    public static let defaultTimeout: Duration = .seconds(30)

    /// Sends what was queued and reads every result of it: the rows of the last, or the first error.
    private func results(deadline: UInt64) async throws(PostgresError) -> PostgresResult {
        try await flush(deadline: deadline)
        var last = PostgresResult()
        var failure: PostgresError?
        while true {
            try await waitUntilNotBusy(deadline: deadline)
            guard let result = cshim_pq_get_result(conn) else { break }
            defer { cshim_pq_clear(result) }
            switch cshim_pq_result_status(result) {
            case Int32(CSHIM_PGRES_COMMAND_OK), Int32(CSHIM_PGRES_EMPTY_QUERY):
                last = PostgresResult()
            case Int32(CSHIM_PGRES_TUPLES_OK):
                last = Self.rows(of: result)
            default:
                let sqlstate = cshim_pq_result_sqlstate(result).map { String(cString: $0) } ?? "?????"
                let message = cshim_pq_result_error_message(result).map { String(cString: $0) } ?? "unknown error"
                failure = failure ?? .server(sqlstate: sqlstate, message: String(message.trimmed(while: \.isNewline)))
            }
        }
        if let failure { throw failure }
        return last
    }

    /// Waits until a notification (of a channel this session `LISTEN`s to) arrives from a
    /// server process for which `from` holds, or `timeout` passes: true if one arrived (all
    /// pending ones are taken), false on the timeout, which leaves the connection usable.
    /// Notifications are only a wake-up here: their channel and payload are dropped.
    public func waitForNotification(timeout: Duration, from: (Int32) -> Bool = { _ in true }) async throws(PostgresError) -> Bool {
        guard !closed else { throw .connection("the connection is closed") }
        let deadline = EventLoop.deadline(after: timeout)
        while true {
            guard cshim_pq_consume_input(conn) == 1 else { throw lost() }
            var arrived = false
            var channel = [CChar](repeating: 0, count: 64)
            var sender: Int32 = 0
            while channel.withUnsafeMutableBufferPointer({ cshim_pq_next_notification(conn, $0.baseAddress, $0.count, &sender) }) == 1 {
                if from(sender) { arrived = true }
            }
            if arrived { return true }
            if Self.hasInput(fd) { continue }
            let readiness: EventLoop.Readiness
            do {
                readiness = try await loop.wait(fd, for: .read, deadline: deadline)
            } catch {
                close()
                throw .connection("the wait for the server was interrupted: \(error)")
            }
            if readiness == .timedOut { return false }
        }
    }

    /// Closes the connection (the server ends its session); safe to call twice.
    public func close() {
        guard !closed else { return }
        closed = true
        loop.deregister(fd)
        cshim_pq_finish(conn)
    }

    deinit {
        close()
    }

    // MARK: Waiting on the loop

    /// Sends what libpq has buffered, waiting for the socket while it is full.
    private func flush(deadline: UInt64) async throws(PostgresError) {
        while true {
            switch cshim_pq_flush(conn) {
            case 0: return
            case 1: try await wait(.write, deadline: deadline)
            default: throw lost()
            }
        }
    }

    /// Reads input until libpq holds a whole result (or the end of them).
    private func waitUntilNotBusy(deadline: UInt64) async throws(PostgresError) {
        while cshim_pq_is_busy(conn) == 1 {
            // libpq may leave bytes in the socket; the loop reports readiness by edges, so look
            // first, and wait only when there is nothing to read.
            if !Self.hasInput(fd) { try await wait(.read, deadline: deadline) }
            guard cshim_pq_consume_input(conn) == 1 else { throw lost() }
        }
    }

    private func wait(_ interest: EventLoop.Interest, deadline: UInt64) async throws(PostgresError) {
        let readiness: EventLoop.Readiness
        do {
            readiness = try await loop.wait(fd, for: interest, deadline: deadline)
        } catch {
            close()
            throw .connection("the wait for the server was interrupted: \(error)")
        }
        if readiness == .timedOut {
            // The statement's outcome is unknown: this connection cannot be used again.
            close()
            throw .timedOut("no answer from the server in time")
        }
    }

    private static func hasInput(_ fd: Int32) -> Bool {
        var probe = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&probe, 1, 0) > 0
    }

    private func lost() -> PostgresError {
        let message = Self.errorMessage(conn)
        close()
        return .connection(message.isEmpty ? "the connection was lost" : message)
    }

    private static func rows(of result: OpaquePointer) -> PostgresResult {
        let count = Int(cshim_pq_ntuples(result)), fields = Int(cshim_pq_nfields(result))
        var rows: [[String?]] = []
        rows.reserveCapacity(count)
        for row in 0..<count {
            rows.append((0..<fields).map { column in
                if cshim_pq_get_is_null(result, Int32(row), Int32(column)) == 1 { return nil }
                let length = Int(cshim_pq_get_length(result, Int32(row), Int32(column)))
                return cshim_pq_get_value(result, Int32(row), Int32(column)).map {
                    String(decoding: UnsafeRawBufferPointer(start: $0, count: length), as: UTF8.self)
                }
            })
        }
        return PostgresResult(rows: rows)
    }
}
