import MissionModel
import MissionNet
@testable import MissionStore
import MissionTestSupport
import Synchronization
import Testing

/// The shared log over a real PostgreSQL server that each test starts for itself: the same
/// rules as the JSON Lines log (gap-free seqs in commit order, durable appends, followers that
/// see everything once) across several "nodes", each a `PostgresLog` of its own.
@Suite struct PostgresLogTests {
    /// Runs `body` with a migrated store and a loop.
    func withStore(_ body: (TestPostgres, EventLoop) async throws -> Void) async throws {
        try await TestPostgres.with { server in
            let loop = try EventLoop()
            defer { loop.stop() }
            let connection = try await PostgresConnection.connect(server.url, loop: loop)
            try await PostgresSchema.migrate(connection)
            connection.close()
            try await body(server, loop)
        }
    }

    /// Every run handed to `onCommit`, flattened: what a node's view was fed.
    final class Folded: Sendable {
        let entries = Mutex<[LogEntry]>([])
        func take(_ run: [LogEntry]) { entries.withLock { $0 += run } }
        var seqs: [Int] { entries.withLock { $0.map(\.seq) } }
        var lines: [String] { entries.withLock { $0.map(\.text) } }
    }

    /// Limits whose reconnecting waits are short, for tests that take the server away.
    static var quickReconnect: PostgresLog.Limits {
        var limits = PostgresLog.Limits()
        limits.reconnectDelay = .milliseconds(50) ... .milliseconds(200)
        return limits
    }

    static func open(_ server: TestPostgres, _ loop: EventLoop, _ folded: Folded? = nil, limits: PostgresLog.Limits = .init(),
                     replay: (Int, JSONObject) throws -> Void = { _, _ in }) async throws -> PostgresLog {
        var onCommit: (@Sendable ([LogEntry]) -> Void)?
        if let folded { onCommit = { run in folded.take(run) } }
        return try await PostgresLog.open(server.url, table: .signals, loop: loop, limits: limits, keyField: "mission_id",
                                          replay: replay, onCommit: onCommit)
    }

    @Test func appends_get_gap_free_seqs_and_read_back_as_the_embedded_log_writes_them() async throws {
        try await withStore { server, loop in
            let folded = Folded()
            // No look at the log but on a notification from another node (there is none here):
            // the follower's timed look could otherwise read this node's own rows back before
            // the writer hands them over, and fold them without the values they were appended with.
            var quiet = PostgresLog.Limits()
            quiet.followCheck = .seconds(3600)
            let log = try await Self.open(server, loop, folded, limits: quiet)
            let first = try await log.append([LogRecord(makeRecord(1), keyField: "mission_id"), LogRecord(["mission_id": .string("m-7"), "n": .int(2)], keyField: "mission_id")])
            #expect(first.map(\.seq) == [1, 2])
            #expect(first[0].text == #"{"seq":1,"timestamp":"2026-11-21T10:00:00.000Z","signal_type":"test","n":1}"#)
            // Folded here before the append returned, keeping the value it was appended with.
            #expect(folded.seqs == [1, 2])
            #expect(folded.entries.withLock { $0[0].kept } != nil)
            let ticket = try log.enqueue([LogRecord(makeRecord(3), keyField: nil), LogRecord(["a": .string("quote \" and \\ and 日本")], keyField: nil)])
            #expect(await log.waitForCommit(of: ticket))
            #expect(log.lastSeq == 4)
            // The rows are what psql sees, the line as the JSON Lines log would have written it.
            #expect(try await server.psql("SELECT seq || ' ' || coalesce(mission_id, '-') FROM signal_log ORDER BY seq") == "1 -\n2 m-7\n3 -\n4 -")
            #expect(try await server.psql("SELECT line FROM signal_log WHERE seq = 4") == #"{"seq":4,"a":"quote \" and \\ and 日本"}"#)
            let recent = try await log.entries(after: 1, limit: 10)
            #expect(recent.map(\.seq) == [2, 3, 4] && recent[0].key == "m-7")
            await log.close()

            // Reopened: everything is replayed in order, and old records are read from the store.
            var replayed: [Int] = []
            let again = try await Self.open(server, loop, limits: { var limits = PostgresLog.Limits(); limits.recentEntries = 2; return limits }()) { seq, record in
                #expect(record["seq"]?.intValue == seq)
                replayed.append(seq)
            }
            #expect(replayed == [1, 2, 3, 4] && again.lastSeq == 4)
            #expect(try await again.entries(after: 0, limit: 2).map(\.text) == first.map(\.text))
            #expect(try await again.entries(at: [2, 4]).map(\.seq) == [2, 4])
            #expect(try await again.entries(at: [2]).first?.record()["mission_id"] == .string("m-7"))
            await again.close()
        }
    }

    @Test func nodes_appending_at_once_share_one_order_and_each_folds_all_of_it_once() async throws {
        try await withStore { server, loop in
            let nodes = [Folded(), Folded(), Folded()]
            var logs: [PostgresLog] = []
            for folded in nodes { logs.append(try await Self.open(server, loop, folded)) }
            let perNode = 60
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (index, log) in logs.enumerated() {
                    for n in 0..<perNode {
                        group.addTask {
                            let record = LogRecord(["node": .int(index), "n": .int(n)], keyField: nil)
                            if n % 3 == 0 { _ = try log.enqueue([record]) } else { _ = try await log.append([record, record]) }
                        }
                    }
                }
                try await group.waitForAll()
            }
            for log in logs { await log.flush() }
            let total = perNode * 3 * 5 / 3
            // Every node catches up to every record, through its follower.
            for log in logs {
                for try await entry in log.follow(after: 0) where entry.seq == total { break }
            }
            let expected = Array(1...total)
            for folded in nodes {
                #expect(folded.seqs == expected)
                #expect(folded.lines == nodes[0].lines)
            }
            #expect(try await server.psql("SELECT count(*) || ' ' || max(seq) FROM signal_log") == "\(total) \(total)")
            for log in logs { await log.close() }
        }
    }

    @Test func a_store_that_goes_away_refuses_appends_keeps_queued_records_and_comes_back() async throws {
        try await withStore { server, loop in
            let folded = Folded()
            let log = try await Self.open(server, loop, folded, limits: Self.quickReconnect)
            let reports = Mutex<[String]>([])
            log.reportStorage { message in reports.withLock { $0.append(message) } }
            _ = try await log.append([LogRecord(makeRecord(1), keyField: nil)])
            try await server.crash()
            // The first append after the crash finds out; it is not acknowledged.
            await #expect { _ = try await log.append([LogRecord(makeRecord(2), keyField: nil)]) } throws: { error in
                guard case .unavailable = error as? LogError else { return false }
                return true
            }
            #expect(log.storage != .ok)
            #expect(throws: LogError.self) { try log.requireSpace() }
            // A record nobody waits for stays queued through the outage.
            let ticket = try log.enqueue([LogRecord(makeRecord(3), keyField: nil)])
            try await server.restart()
            #expect(await log.waitForCommit(of: ticket))
            #expect(log.storage == .ok)
            let after = try await log.append([LogRecord(makeRecord(4), keyField: nil)])
            #expect(after[0].seq == 3)
            #expect(folded.seqs == [1, 2, 3])
            #expect(try await server.psql("SELECT string_agg(line::json->>'n', ',' ORDER BY seq) FROM signal_log") == "1,3,4")
            #expect(reports.withLock { $0.contains { $0.contains("cannot be reached") } && $0.contains { $0.contains("reachable again") } })
            await log.close()
        }
    }

    /// A commit whose answer is lost (the server dies while the commit waits for a standby that
    /// never comes) is found committed after the restart: read back once, never taken for the
    /// next append's.
    @Test func a_commit_whose_answer_was_lost_is_looked_up_and_never_answers_for_another() async throws {
        try await withStore { server, loop in
            let folded = Folded()
            let log = try await Self.open(server, loop, folded, limits: Self.quickReconnect)
            _ = try await log.append([LogRecord(["n": .int(1)], keyField: nil)])
            // Commits now wait for a standby that does not exist: committed here, not answered.
            _ = try await server.psql("ALTER SYSTEM SET synchronous_standby_names = 'nobody'")
            _ = try await server.psql("SELECT pg_reload_conf()")
            let lost = Task { try await log.append([LogRecord(["n": .int(2)], keyField: nil)]) }
            let deadline = ContinuousClock.now + hangLimit
            while try await server.psql("SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'SyncRep'") != "1" {
                #expect(ContinuousClock.now < deadline)
                try await Task.sleep(for: .milliseconds(20))
            }
            // The next start runs without the wait; the commit survives it (its WAL was flushed).
            _ = try await server.psql("ALTER SYSTEM RESET synchronous_standby_names")
            try await server.crash()
            let answer = await lost.result
            guard case .failure(let error) = answer, case .unavailable = error as? LogError else {
                Issue.record("the append whose answer was lost was answered: \(answer)")
                return
            }
            try await server.restart()
            // Appends are refused until the log finds the store again.
            while log.storage != .ok {
                #expect(ContinuousClock.now < deadline)
                try await Task.sleep(for: .milliseconds(20))
            }
            let next = try await log.append([LogRecord(["n": .int(3)], keyField: nil)])
            #expect(next.map(\.seq) == [3])
            // Each record once, at its seq, in the store and in the view.
            #expect(try await server.psql("SELECT string_agg(seq || '=' || (line::json->>'n'), ',' ORDER BY seq) FROM signal_log") == "1=1,2=2,3=3")
            #expect(folded.lines == ["{\"seq\":1,\"n\":1}", "{\"seq\":2,\"n\":2}", "{\"seq\":3,\"n\":3}"])
            await log.close()
        }
    }
}
