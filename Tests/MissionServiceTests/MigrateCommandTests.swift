import MissionModel
import MissionStore
import MissionTestSupport
import Testing

/// `mission migrate` as a user runs it: a child process against a real PostgreSQL server.
@Suite struct MigrateCommandTests {
    @Test func migrate_creates_the_schema_then_finds_it_current_and_never_prints_the_password() async throws {
        try await TestPostgres.with { server in
            let url = "postgres://mission:hunter2@127.0.0.1:\(server.port)/postgres"
            let created = try await ChildProcess.run(["migrate", "--store", url])
            #expect(created.status == 0, "\(created.stderr)")
            #expect(created.stdout == "postgres://mission:***@127.0.0.1:\(server.port)/postgres: schema created at version \(PostgresSchema.currentVersion)\n")
            // From the environment, as JSON.
            let again = try await ChildProcess.run(["migrate", "--json"], environment: ["MISSION_STORE": url])
            #expect(again.status == 0)
            #expect(parse(again.stdout)["outcome"] == .string("current"))
            #expect(try await server.psql("SELECT max(version) FROM mission_schema") == String(PostgresSchema.currentVersion))
        }
    }

    @Test func without_libpq_or_without_a_store_it_says_what_to_do_in_one_line() async throws {
        let missing = try await ChildProcess.run(["migrate", "--store", "postgres://mission@127.0.0.1:1/postgres"],
                                                 environment: ["MISSION_LIBPQ": "/no/such/libpq.so.5"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("apt-get install libpq5"))
        #expect(missing.stderr.split(separator: "\n").count == 1)
        let unnamed = try await ChildProcess.run(["migrate"], environment: ["MISSION_STORE": ""])
        #expect(unnamed.status == 1)
        #expect(unnamed.stderr.contains("--store postgres://"))
        let wrong = try await ChildProcess.run(["migrate", "--store", "http://user:pw@example.com/"])
        #expect(wrong.status == 1)
        #expect(wrong.stderr.contains("PostgreSQL connection URI") && !wrong.stderr.contains(":pw@"))
        let refused = try await ChildProcess.run(["migrate", "--store", "postgres://mission@127.0.0.1:\(try TestPostgres.freePort())/postgres"])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("Connection refused"))
        #expect(refused.stderr.split(separator: "\n").count == 1)
    }

    /// The embedded default never needs libpq: the binary does not link it, and a mission runs
    /// where it cannot be loaded.
    @Test func the_embedded_store_runs_without_libpq() async throws {
        let linked = try await TestPostgres.runProgram("/usr/bin/ldd", [ChildProcess.missionBinary])
        #expect(linked.status == 0)
        #expect(linked.output.contains("libc.so"))
        #expect(!linked.output.contains("libpq"))
        let dir = TemporaryDirectory()
        let run = try await ChildProcess.run(["run", "no libpq needed", "--data", dir.path], environment: ["MISSION_LIBPQ": "/no/such/libpq.so.5"])
        #expect(run.status == 0)
        #expect(parse(run.stdout)["status"] == .string("completed"))
    }
}
