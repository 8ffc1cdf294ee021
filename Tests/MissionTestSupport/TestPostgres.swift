import CShim
import Foundation
import Glibc
import MissionModel

/// A throwaway PostgreSQL server for one test: `initdb` into a temporary directory, started
/// with `pg_ctl` on a free loopback port (as the `postgres` user when the tests run as root,
/// since the server refuses to run as root), stopped and removed by `with`. Nothing is shared
/// between tests and nothing is left behind.
public final class TestPostgres: Sendable {
    public let port: Int
    public let directory: String
    let binaries: String

    /// The connection URI of the server's `postgres` database, as user `mission` (trust auth).
    public var url: String { "postgres://mission@127.0.0.1:\(port)/postgres" }

    private init(port: Int, directory: String, binaries: String) {
        self.port = port
        self.directory = directory
        self.binaries = binaries
    }

    /// Runs `body` with a fresh server, which is stopped and removed afterwards, also when
    /// `body` throws.
    public static func with<Result>(_ body: (TestPostgres) async throws -> Result) async throws -> Result {
        let server = try await start()
        do {
            let result = try await body(server)
            await server.remove()
            return result
        } catch {
            await server.remove()
            throw error
        }
    }

    /// Where PostgreSQL's programs are: $MISSION_TEST_PG_BIN, else the newest of Debian's
    /// /usr/lib/postgresql/N/bin.
    static func findBinaries() throws -> String {
        if let named = ProcessInfo.processInfo.environment["MISSION_TEST_PG_BIN"] { return named }
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap(Int.init).sorted()
        guard let newest = versions.last, FileManager.default.isExecutableFile(atPath: "\(root)/\(newest)/bin/initdb") else {
            throw TestPostgresError("no PostgreSQL server under \(root) (apt-get install postgresql), and MISSION_TEST_PG_BIN is not set")
        }
        return "\(root)/\(newest)/bin"
    }

    static func start() async throws -> TestPostgres {
        let binaries = try findBinaries()
        let directory = NSTemporaryDirectory() + "mission-pg-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        if getuid() == 0 { try FileManager.default.setAttributes([.ownerAccountName: "postgres"], ofItemAtPath: directory) }
        let initdb = try await run(binaries + "/initdb", ["-D", directory + "/data", "-A", "trust", "-U", "mission", "--no-sync", "-E", "UTF8"], in: directory)
        guard initdb.status == 0 else {
            try? FileManager.default.removeItem(atPath: directory)
            throw TestPostgresError("initdb failed: \(initdb.output)")
        }
        return try await startServer(in: directory, binaries: binaries)
    }

    /// Starts the server whose data is in `directory`/data on a free port.
    private static func startServer(in directory: String, binaries: String) async throws -> TestPostgres {
        // A free port can be taken by someone else before the server binds it: try a few.
        var failure = ""
        for _ in 0..<5 {
            let port = try freePort()
            let server = TestPostgres(port: port, directory: directory, binaries: binaries)
            let started = try await server.pgCtl(["start", "-w", "-t", "60", "-l", directory + "/server.log",
                                                   "-o", "-p \(port) -c listen_addresses=127.0.0.1 -k \(directory)"])
            if started.status == 0 { return server }
            failure = started.output + ((try? String(contentsOfFile: directory + "/server.log", encoding: .utf8)) ?? "")
        }
        try? FileManager.default.removeItem(atPath: directory)
        throw TestPostgresError("the server did not start: \(failure)")
    }

    /// A streaming standby of this server (`pg_basebackup -R`), started on a port of its own;
    /// the caller removes it (`withStandby`). With `synchronous`, this server then waits for
    /// the standby to have each commit before it acknowledges it (`synchronous_standby_names`).
    public func withStandby<Result>(synchronous: Bool, _ body: (TestPostgres) async throws -> Result) async throws -> Result {
        let directory = NSTemporaryDirectory() + "mission-pg-standby-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        if getuid() == 0 { try FileManager.default.setAttributes([.ownerAccountName: "postgres"], ofItemAtPath: directory) }
        let backup = try await Self.run(binaries + "/pg_basebackup", ["-h", "127.0.0.1", "-p", String(port), "-U", "mission",
                                                                      "-D", directory + "/data", "-R", "-X", "stream", "--no-sync"], in: directory)
        guard backup.status == 0 else {
            try? FileManager.default.removeItem(atPath: directory)
            throw TestPostgresError("pg_basebackup failed: \(backup.output)")
        }
        let standby = try await Self.startServer(in: directory, binaries: binaries)
        do {
            if synchronous {
                _ = try await psql("ALTER SYSTEM SET synchronous_standby_names = '*'")
                _ = try await psql("SELECT pg_reload_conf()")
                // Streaming and counted as synchronous before the body's first commit.
                let deadline = ContinuousClock.now + hangLimit
                while try await psql("SELECT count(*) FROM pg_stat_replication WHERE sync_state = 'sync'") != "1" {
                    guard ContinuousClock.now < deadline else { throw TestPostgresError("the standby never became synchronous") }
                    try await Task.sleep(for: .milliseconds(50))
                }
            }
            let result = try await body(standby)
            await standby.remove()
            return result
        } catch {
            await standby.remove()
            throw error
        }
    }

    /// Makes a standby the primary (`pg_ctl promote`), once it takes writes.
    public func promote() async throws {
        let promoted = try await pgCtl(["promote", "-w", "-t", "60"])
        guard promoted.status == 0 else { throw TestPostgresError("pg_ctl promote failed: \(promoted.output)") }
    }

    /// Stops the server at once, as a crash would (`pg_ctl stop -m immediate`): its clients
    /// lose their connections, and the next start recovers from its WAL.
    public func crash() async throws {
        let stopped = try await pgCtl(["stop", "-m", "immediate", "-w"])
        guard stopped.status == 0 else { throw TestPostgresError("pg_ctl stop failed: \(stopped.output)") }
    }

    /// Starts the server again on its port after `crash()`.
    public func restart() async throws {
        let started = try await pgCtl(["start", "-w", "-t", "60", "-l", directory + "/server.log",
                                       "-o", "-p \(port) -c listen_addresses=127.0.0.1 -k \(directory)"])
        guard started.status == 0 else { throw TestPostgresError("the server did not start again: \(started.output)") }
    }

    /// Stops the server at once (as a crash would) and removes its files.
    func remove() async {
        _ = try? await pgCtl(["stop", "-m", "immediate", "-w"])
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Runs `psql` (an outside client) with `sql`; its output, rows unaligned and tuples only.
    public func psql(_ sql: String) async throws -> String {
        let result = try await Self.run(binaries + "/psql", ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", String(port),
                                                            "-U", "mission", "-d", "postgres", "-c", sql], in: directory, asServer: false)
        guard result.status == 0 else { throw TestPostgresError("psql failed: \(result.output)") }
        return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func pgCtl(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        try await Self.run(binaries + "/pg_ctl", ["-D", directory + "/data"] + arguments, in: directory)
    }

    /// Runs a program to its end without blocking a thread of the pool: it is spawned (with
    /// every other descriptor closed) and waited for on a thread of its own, whose end resumes
    /// the caller. Not Foundation's `Process`: it gives the child a socket whose closing it
    /// waits for, and a server that `pg_ctl start` leaves running would keep it open. As the
    /// `postgres` user when root and `asServer`. Output goes to a file.
    static func run(_ program: String, _ arguments: [String], in directory: String, asServer: Bool = true) async throws -> (status: Int32, output: String) {
        let command = asServer && getuid() == 0 ? ["/usr/sbin/runuser", "-u", "postgres", "--", program] + arguments : [program] + arguments
        let outputPath = directory + "/run-" + UUID().uuidString + ".out"
        let spawned: Result<Int32, TestPostgresError> = await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                let output = open(outputPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
                guard output >= 0 else { return continuation.resume(returning: .failure(TestPostgresError("open \(outputPath): errno \(errno)"))) }
                defer { close(output) }
                var pid: pid_t = 0
                let failed = withCStringArray(command) { argv in cshim_spawn(command[0], argv, environ, nil, -1, output, output, &pid) }
                guard failed == 0 else { return continuation.resume(returning: .failure(TestPostgresError("spawn \(command[0]): errno \(failed)"))) }
                var status: Int32 = 0
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                continuation.resume(returning: .success(status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + status & 0x7f))
            }
        }
        let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(atPath: outputPath)
        return (try spawned.get(), text)
    }

    /// Runs any program to its end (as the current user), e.g. an outside tool; its exit
    /// status and its output (stdout and stderr).
    public static func runProgram(_ program: String, _ arguments: [String]) async throws -> (status: Int32, output: String) {
        try await run(program, arguments, in: NSTemporaryDirectory(), asServer: false)
    }

    /// A loopback port nobody listens on right now.
    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestPostgresError("socket: errno \(errno)") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw TestPostgresError("bind: errno \(errno)") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

public struct TestPostgresError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
