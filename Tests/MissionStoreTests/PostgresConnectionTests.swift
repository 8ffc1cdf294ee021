import MissionNet
@testable import MissionStore
import MissionTestSupport
import Testing

/// libpq driven on our event loop, against a real server each test starts for itself.
@Suite struct PostgresConnectionTests {
    /// Runs `body` with a fresh server and a connection to it on a loop of its own.
    func connected(_ body: (TestPostgres, PostgresConnection) async throws -> Void) async throws {
        try await TestPostgres.with { server in
            let loop = try EventLoop()
            defer { loop.stop() }
            let connection = try await PostgresConnection.connect(server.url, loop: loop)
            defer { connection.close() }
            try await body(server, connection)
        }
    }

    @Test func statements_run_with_text_parameters_and_server_errors_keep_their_sqlstate() async throws {
        try await connected { _, connection in
            #expect(connection.serverVersion >= 140000)
            #expect(try await connection.query("SELECT 1 + $1::int, $2::text IS NULL", ["41", nil]).rows == [["42", "t"]])
            // A server error says which, and the connection goes on.
            await #expect(throws: PostgresError.server(sqlstate: "42601", message: "ERROR:  syntax error at or near \"SELEKT\"\nLINE 1: SELEKT 1\n        ^")) {
                try await connection.query("SELEKT 1")
            }
            await #expect { try await connection.query("SELECT 1/0") } throws: { ($0 as? PostgresError)?.sqlstate == "22012" }
            // Text comes back byte for byte, whatever it holds.
            let text = "quote \" backslash \\ newline\n tab\t 日本 🚀"
            #expect(try await connection.query("SELECT $1::text", [text]).scalar == text)
            // Many rows, more than one read of the socket.
            let many = try await connection.query("SELECT g, repeat('x', 100) FROM generate_series(1, 20000) g")
            #expect(many.rows.count == 20000)
            #expect(many.rows.last == ["20000", String(repeating: "x", count: 100)])
        }
    }

    @Test func a_connection_goes_to_the_next_host_when_the_first_refuses() async throws {
        try await TestPostgres.with { server in
            let loop = try EventLoop()
            defer { loop.stop() }
            let refused = "postgres://mission@127.0.0.1:\(try TestPostgres.freePort())/postgres"
            await #expect { _ = try await PostgresConnection.connect(refused, loop: loop) } throws: { error in
                guard case .connection(let message) = error as? PostgresError else { return false }
                return message.contains("Connection refused") && !message.contains("\n")
            }
            let both = "postgres://mission@127.0.0.1:\(try TestPostgres.freePort()),127.0.0.1:\(server.port)/postgres"
            let connection = try await PostgresConnection.connect(both, loop: loop)
            defer { connection.close() }
            #expect(try await connection.query("SELECT current_user").scalar == "mission")
        }
    }

    @Test func a_server_that_goes_away_fails_the_statement_as_a_lost_connection() async throws {
        try await connected { server, connection in
            let pid = try #require(try await connection.query("SELECT pg_backend_pid()").scalar)
            _ = try await server.psql("SELECT pg_terminate_backend(\(pid))")
            await #expect { try await connection.query("SELECT 1") } throws: { error in
                guard case .connection = error as? PostgresError else { return false }
                return true
            }
        }
    }

    @Test func the_schema_is_created_once_migrations_take_turns_and_a_newer_one_is_refused() async throws {
        try await TestPostgres.with { server in
            let loop = try EventLoop()
            defer { loop.stop() }
            // Two nodes starting at once: one creates, the other finds it current.
            let url = server.url
            let outcomes = try await withThrowingTaskGroup(of: PostgresSchema.Outcome.self) { group in
                for _ in 0..<2 {
                    group.addTask {
                        let node = try await PostgresConnection.connect(url, loop: loop)
                        defer { node.close() }
                        return try await PostgresSchema.migrate(node)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(outcomes.filter { $0 == .created(version: PostgresSchema.currentVersion) }.count == 1)
            #expect(outcomes.filter { $0 == .current(version: PostgresSchema.currentVersion) }.count == 1)
            // Seen from outside, by psql.
            let versions = (1...PostgresSchema.currentVersion).map(String.init).joined(separator: ",")
            #expect(try await server.psql("SELECT string_agg(version::text, ',' ORDER BY version) FROM mission_schema") == versions)
            #expect(try await server.psql("SELECT log || '=' || last_seq FROM log_head ORDER BY log") == "missions=0\nsignals=0")
            let first = try await PostgresConnection.connect(url, loop: loop)
            defer { first.close() }
            // A store of the first version (as the eleventh session's build left it) is brought
            // up to date, its rows kept.
            _ = try await server.psql("DROP TABLE mission_lease, log_claim; DELETE FROM mission_schema WHERE version > 1; UPDATE log_head SET last_seq = 3 WHERE log = 'missions'")
            #expect(try await PostgresSchema.migrate(first) == .migrated(from: 1, to: PostgresSchema.currentVersion))
            #expect(try await server.psql("SELECT (SELECT count(*) FROM mission_lease) + (SELECT count(*) FROM log_claim)") == "0")
            #expect(try await server.psql("SELECT last_seq FROM log_head WHERE log = 'missions'") == "3")
            // A store migrated by a newer build is refused, and left as it was.
            _ = try await server.psql("INSERT INTO mission_schema (version) VALUES (\(PostgresSchema.currentVersion + 5))")
            await #expect { try await PostgresSchema.migrate(first) } throws: { error in
                guard case .schema(let message) = error as? PostgresError else { return false }
                return message.contains("version \(PostgresSchema.currentVersion + 5)")
            }
            #expect(try await server.psql("SELECT count(*) FROM mission_schema") == String(PostgresSchema.currentVersion + 1))
            // The connection is usable after the refusal (its transaction was rolled back).
            #expect(try await first.query("SELECT 7").scalar == "7")
        }
    }
}
