import Foundation
import MissionModel
import MissionStore
import MissionTestSupport
import Testing

/// Cluster mode (CONTRACT §8) as users run it: `mission serve --store` nodes as child
/// processes on one real PostgreSQL server, asked with curl and followed with `mission tail`.
/// One test at a time: each starts a server and up to three nodes, and all of them at once (in
/// ThreadSanitizer's build, on two cores) starved the other suites past their limits.
@Suite(.serialized) struct ClusterTests {
    typealias Node = ServeNode

    @Test func every_node_answers_for_every_mission_and_watches_it_live() async throws {
        try await TestPostgres.with { server in
            let nodes = [try await Node(server.url), try await Node(server.url), try await Node(server.url)]
            // A follower on C from the start, through the WebSocket.
            let tail = try ChildProcess(["tail", "--server", nodes[2].url, "--follow", "--since", "0"])
            var ids: [String] = []
            for (index, node) in nodes.enumerated() {
                let created = try await node.curl("/api/missions", post: #"{"objective":{"type":"echo","description":"made on node \#(index)"}}"#)
                #expect(created.status == 202, "\(created.body)")
                ids.append(try #require(parse(created.body)["mission_id"]?.stringValue))
            }
            // Each mission is read, completed, on every node.
            for id in ids {
                for node in nodes {
                    #expect(try await eventually {
                        let board = try await node.curl("/api/whiteboard/\(id)")
                        return board.status == 200 && parse(board.body)["status"] == .string("completed")
                    }, "mission \(id) on \(node.url)")
                }
            }
            for id in ids { #expect(await tail.waitFor(id)) }
            // One order for the cluster, no gap, each record once: as the store holds it, and
            // as C delivered it live.
            let count = try #require(Int(try await server.psql("SELECT count(*) FROM mission_log")))
            #expect(try await server.psql("SELECT max(seq) FROM mission_log") == String(count))
            #expect(try await eventually {
                tail.stdout.split(separator: "\n").count == count
            })
            let seqs = tail.stdout.split(separator: "\n").compactMap { $0.split(separator: " ").first.flatMap { Int($0.dropFirst()) } }
            #expect(seqs == Array(1...count), "\(tail.stdout)")
            // `since` means the same on every node: the events after one seq are the same.
            let fromA = try await nodes[0].curl("/api/missions/\(ids[1])/events?since=0")
            let fromC = try await nodes[2].curl("/api/missions/\(ids[1])/events?since=0")
            #expect(fromA.status == 200 && fromA.body == fromC.body)
            tail.signal(SIGINT)
            _ = await tail.wait()
            for node in nodes { await node.stop() }
        }
    }

    @Test func a_store_that_goes_down_gets_503s_then_the_node_goes_on_without_losing_a_record() async throws {
        try await TestPostgres.with { server in
            let node = try await Node(server.url)
            let before = try await node.curl("/api/missions", post: #"{"objective":{"type":"echo","description":"before"}}"#)
            #expect(before.status == 202)
            try await server.crash()
            // Writes are refused with the contract's code; reads go on from the node's view.
            #expect(try await eventually {
                let refused = try await node.curl("/api/missions", post: #"{"objective":{"type":"echo","description":"while down"}}"#)
                return refused.status == 503 && refused.body.contains("store_unavailable")
            })
            let health = try await node.curl("/health")
            #expect(health.status == 503 && parse(health.body)["store"] == .string("unavailable"))
            let list = try await node.curl("/api/missions")
            #expect(list.status == 200 && list.body.contains("before"))
            try await server.restart()
            #expect(try await eventually { try await node.curl("/health").status == 200 })
            let after = try await node.curl("/api/missions", post: #"{"objective":{"type":"echo","description":"after"}}"#)
            #expect(after.status == 202, "\(after.body)")
            let id = try #require(parse(after.body)["mission_id"]?.stringValue)
            #expect(try await eventually { parse(try await node.curl("/api/whiteboard/\(id)").body)["status"] == .string("completed") })
            // No gap in the order, and what was acknowledged is there.
            #expect(try await server.psql("SELECT count(*) = max(seq) FROM mission_log") == "t")
            let kept = try await server.psql("SELECT count(*) FROM mission_log WHERE line::json->'objective'->>'description' IN ('before', 'after')")
            #expect(kept == "2")
            await node.stop()
            #expect(node.process.stderr.contains("cannot be reached") && node.process.stderr.contains("reachable again"))
        }
    }

    @Test func missions_of_a_node_killed_mid_run_end_exactly_once_on_the_others() async throws {
        try await TestPostgres.with { server in
            let arguments = ["--lease-seconds", "2", "--allow-command", "sleep", "--workers", "4"]
            // A alone first, so that it surely runs some of them.
            let a = try await Node(server.url, arguments: arguments + ["--node-id", "A"])
            var ids: [String] = []
            for n in 0..<24 {
                let created = try await a.curl("/api/missions", post: #"{"objective":{"type":"command","description":"sleep 2.\#(n)"}}"#)
                #expect(created.status == 202, "\(created.body)")
                ids.append(try #require(parse(created.body)["mission_id"]?.stringValue))
            }
            // Kill A while it runs some of them (started: active in the store).
            #expect(try await eventually {
                Int(try await server.psql("SELECT count(*) FROM mission_lease l WHERE node_id = 'A' AND EXISTS (SELECT 1 FROM mission_log m WHERE m.mission_id = l.mission_id AND m.line::json->>'status' = 'active')")) ?? 0 >= 2
            })
            let held = try await server.psql("SELECT string_agg(mission_id, ',') FROM mission_lease WHERE node_id = 'A'").split(separator: ",").map(String.init)
            a.process.signal(SIGKILL)
            _ = await a.process.wait()
            #expect(held.count >= 2)
            // The others come up after: however slowly they start, A's attempts were cut off.
            let nodes = [a, try await Node(server.url, arguments: arguments + ["--node-id", "B"]),
                         try await Node(server.url, arguments: arguments + ["--node-id", "C"])]
            // Every mission ends, completed, on B or C: A's after its lease ran out.
            for id in ids {
                #expect(try await eventually {
                    parse(try await nodes[1].curl("/api/whiteboard/\(id)").body)["status"] == .string("completed")
                }, "mission \(id)")
            }
            // Exactly once: one terminal record each, no attempt run twice at once, and what A
            // held was taken over with the reason the contract names.
            let ends = try await server.psql("""
                SELECT count(*) FROM mission_log WHERE line::json->>'event_type' = 'mission_status_update'
                AND line::json->>'status' IN ('completed', 'failed', 'cancelled')
                """)
            #expect(ends == "24")
            for id in held {
                let expired = try await server.psql("""
                    SELECT count(*) FROM mission_log WHERE mission_id = '\(id)' AND line::json->>'reason' = 'lease_expired'
                    """)
                let board = parse(try await nodes[2].curl("/api/whiteboard/\(id)").body)
                // Held by A but maybe not yet started there: only a started attempt is taken over.
                #expect(expired == "1" || board["attempts"] == .int(1), "\(id): \(board)")
            }
            #expect(Int(try await server.psql("SELECT count(*) FROM mission_log WHERE line::json->>'reason' = 'lease_expired'")) ?? 0 >= 1)
            // No attempt number was started twice.
            #expect(try await server.psql("""
                SELECT count(*) FROM (SELECT mission_id, line::json->>'attempt' FROM mission_log
                WHERE line::json->>'reason' = 'execution_started' GROUP BY 1, 2 HAVING count(*) > 1) twice
                """) == "0")
            #expect(nodes[1].process.stderr.contains("taken over here") || nodes[2].process.stderr.contains("taken over here"))
            #expect(try await server.psql("SELECT count(*) FROM mission_lease") == "0")
            for node in nodes.dropFirst() { await node.stop() }
        }
    }

    @Test func the_same_request_raced_at_two_nodes_makes_one_mission() async throws {
        try await TestPostgres.with { server in
            let arguments = ["--allow-command", "sleep"]
            let a = try await Node(server.url, arguments: arguments), b = try await Node(server.url, arguments: arguments)
            for round in 0..<6 {
                // Dedup: a mission that stays queued or running while its twin arrives.
                let body = #"{"objective":{"type":"command","description":"sleep 3.\#(round)"}}"#
                async let first = a.curl("/api/missions", post: body)
                async let second = b.curl("/api/missions", post: body)
                let answers = [try await first, try await second]
                #expect(answers.map(\.status).sorted() == [200, 202], "\(answers)")
                let ids = Set(answers.compactMap { parse($0.body)["mission_id"]?.stringValue })
                #expect(ids.count == 1, "\(answers)")
                #expect(answers.contains { parse($0.body)["type"] == .string("mission_deduplicated") })
                // Idempotency-Key: the same key at both nodes is one mission, answered alike.
                let echo = #"{"objective":{"type":"echo","description":"keyed \#(round)"}}"#
                async let keyedA = a.curl("/api/missions", post: echo, headers: ["Idempotency-Key: key-\(round)"])
                async let keyedB = b.curl("/api/missions", post: echo, headers: ["Idempotency-Key: key-\(round)"])
                let keyed = [try await keyedA, try await keyedB]
                #expect(keyed.map(\.status) == [202, 202], "\(keyed)")
                #expect(Set(keyed.compactMap { parse($0.body)["mission_id"]?.stringValue }).count == 1, "\(keyed)")
            }
            let created = try await server.psql("SELECT count(*) FROM mission_log WHERE line::json->>'event_type' = 'mission_created'")
            #expect(created == "12")
            // A reused key with another body is refused on the other node too.
            let other = try await b.curl("/api/missions", post: #"{"objective":{"type":"echo","description":"not keyed 0"}}"#, headers: ["Idempotency-Key: key-0"])
            #expect(other.status == 409 && other.body.contains("idempotency_key_reused"), "\(other)")
            // Once the mission ends, the same request makes a new one (its dedup claim was let go).
            let firstID = try #require(parse(try await a.curl("/api/missions", post: #"{"objective":{"type":"echo","description":"again"}}"#).body)["mission_id"]?.stringValue)
            #expect(try await eventually { parse(try await b.curl("/api/whiteboard/\(firstID)").body)["status"] == .string("completed") })
            let again = try await b.curl("/api/missions", post: #"{"objective":{"type":"echo","description":"again"}}"#)
            #expect(again.status == 202 && parse(again.body)["mission_id"]?.stringValue != firstID, "\(again)")
            await a.stop()
            await b.stop()
        }
    }

    @Test func a_cancel_sent_to_any_node_stops_the_attempt_on_the_node_that_runs_it() async throws {
        try await TestPostgres.with { server in
            let arguments = ["--allow-command", "sleep"]
            let a = try await Node(server.url, arguments: arguments + ["--node-id", "A"])
            let b = try await Node(server.url, arguments: arguments + ["--node-id", "B"])
            let created = try await a.curl("/api/missions", post: #"{"objective":{"type":"command","description":"sleep 41.7"}}"#)
            let id = try #require(parse(created.body)["mission_id"]?.stringValue)
            #expect(try await eventually { parse(try await a.curl("/api/whiteboard/\(id)").body)["status"] == .string("active") })
            let runner = try await server.psql("SELECT node_id FROM mission_lease WHERE mission_id = '\(id)'")
            let other = runner == "A" ? b : a
            let cancelled = try await other.curl("/api/missions/\(id)/cancel", post: "{}")
            #expect(cancelled.status == 200 && parse(cancelled.body)["status"] == .string("cancelled"), "\(cancelled)")
            // The attempt's process ends on the node that ran it, which writes nothing more.
            #expect(try await eventually {
                try await TestPostgres.runProgram("/usr/bin/pgrep", ["-f", "sleep 41.7"]).status != 0
            })
            #expect(try await eventually { try await server.psql("SELECT count(*) FROM mission_lease") == "0" })
            let statuses = try await server.psql("SELECT string_agg(line::json->>'status', ',' ORDER BY seq) FROM mission_log WHERE mission_id = '\(id)' AND line::json->>'event_type' = 'mission_status_update'")
            #expect(statuses == "queued,active,cancelled")
            let again = try await a.curl("/api/missions/\(id)/cancel", post: "{}")
            #expect(again.status == 409)
            await a.stop()
            await b.stop()
        }
    }

    @Test func with_both_hosts_named_a_node_goes_on_after_failover_and_loses_nothing_acknowledged() async throws {
        try await TestPostgres.with { primary in
            try await primary.withStandby(synchronous: true) { standby in
                let url = "postgres://mission@127.0.0.1:\(primary.port),127.0.0.1:\(standby.port)/postgres?target_session_attrs=read-write"
                let node = try await Node(url)
                // Clients keep creating missions through the failover; what got a 202 was acknowledged.
                let writing = Task {
                    var acknowledged: [String] = [], refused = 0, n = 0
                    while !Task.isCancelled {
                        n += 1
                        let answer = try await node.curl("/api/missions", post: #"{"objective":{"type":"echo","description":"failover \#(n)"}}"#)
                        if answer.status == 202, let id = parse(answer.body)["mission_id"]?.stringValue { acknowledged.append(id) } else { refused += 1 }
                    }
                    return (acknowledged, refused)
                }
                #expect(try await eventually { Int(try await primary.psql("SELECT count(*) FROM mission_log")) ?? 0 >= 40 })
                try await primary.crash()
                // With no primary, writes are refused (the standby is read-only).
                #expect(try await eventually {
                    let refused = try await node.curl("/api/missions", post: #"{"objective":{"type":"echo","description":"no primary"}}"#)
                    return refused.status == 503 && refused.body.contains("store_unavailable")
                })
                try await standby.promote()
                // Writes go on, on the promoted standby.
                #expect(try await eventually {
                    let healthy = try await node.curl("/health").status == 200
                    let written = Int(try await standby.psql("SELECT count(*) FROM mission_log WHERE line LIKE '%failover%'")) ?? 0
                    return healthy && written > 0
                })
                let before = try await standby.psql("SELECT max(seq) FROM mission_log")
                #expect(try await eventually { try await standby.psql("SELECT max(seq) FROM mission_log") != before })
                writing.cancel()
                let (acknowledged, _) = try await writing.value
                // Everything acknowledged is in the new primary: none lost, none twice, no gap.
                let created = Set(try await standby.psql("""
                    SELECT mission_id FROM mission_log WHERE line::json->>'event_type' = 'mission_created'
                    """).split(separator: "\n").map(String.init))
                let lost = Set(acknowledged).subtracting(created)
                #expect(lost.isEmpty, "\(lost.count) of \(acknowledged.count) acknowledged missions lost: \(lost); \(node.process.stderr)")
                #expect(try await standby.psql("SELECT count(*) = max(seq) FROM mission_log") == "t")
                let verified = try await ChildProcess.run(["verify", "--store", "postgres://mission@127.0.0.1:\(standby.port)/postgres"])
                #expect(verified.status == 0, "\(verified.stdout)")
                await node.stop()
            }
        }
    }

    @Test func a_node_takes_only_missions_it_can_run_and_leaves_the_rest_to_one_that_can() async throws {
        try await TestPostgres.with { server in
            let a = try await Node(server.url, arguments: ["--node-id", "A"])
            let b = try await Node(server.url, arguments: ["--node-id", "B", "--allow-command", "true"])
            // A accepts a command it does not allow; B, which allows it, runs it.
            let created = try await a.curl("/api/missions", post: #"{"objective":{"type":"command","description":"true"}}"#)
            let id = try #require(parse(created.body)["mission_id"]?.stringValue)
            #expect(try await eventually { parse(try await a.curl("/api/whiteboard/\(id)").body)["status"] == .string("completed") })
            #expect(try await server.psql("SELECT count(*) FROM mission_log WHERE mission_id = '\(id)' AND line::json->>'reason' = 'execution_started'") == "1")
            await a.stop()
            await b.stop()
            #expect(!a.process.stderr.contains("not allowed"))
        }
    }

    /// CONTRACT §9 across nodes: a pause of the queue, an approval, a pause of one mission and a
    /// delay hold on every node, whichever node was asked.
    @Test func mission_control_holds_across_nodes() async throws {
        try await TestPostgres.with { server in
            let a = try await Node(server.url, arguments: ["--node-id", "A"])
            let b = try await Node(server.url, arguments: ["--node-id", "B"])
            func board(_ node: Node, _ id: String) async throws -> JSONObject { parse(try await node.curl("/api/whiteboard/\(id)").body) }
            func create(_ node: Node, _ body: String) async throws -> String {
                let created = try await node.curl("/api/missions", post: body)
                #expect(created.status == 202, "\(created)")
                return try #require(parse(created.body)["mission_id"]?.stringValue)
            }
            #expect(try await a.curl("/api/queue/pause", post: "{}").status == 200)
            #expect(try await eventually { parse(try await b.curl("/health").body)["paused"] == .bool(true) })
            let plain = try await create(b, #"{"objective":{"type":"echo","description":"held by the queue"}}"#)
            let approval = try await create(a, #"{"objective":{"type":"echo","description":"approved on B"},"requires_approval":true}"#)
            let delayed = try await create(b, #"{"objective":{"type":"echo","description":"paused on A"},"delay_seconds":0.5}"#)
            // After a mission created on the other node; and after one that will be rejected.
            let dependent = try await create(b, #"{"objective":{"type":"echo","description":"after the approved one"},"after":["\#(approval)"]}"#)
            let doomed = try await create(a, #"{"objective":{"type":"echo","description":"to be rejected"},"requires_approval":true}"#)
            let orphan = try await create(b, #"{"objective":{"type":"echo","description":"after the rejected one"},"after":["\#(doomed)"]}"#)
            #expect(try await eventually { try await board(a, orphan)["after"] == .strings([doomed]) })
            #expect(try await a.curl("/api/missions/\(doomed)/reject", post: "{}").status == 200)
            #expect(try await eventually { try await board(b, orphan)["status"] == .string("cancelled") })
            // The pause of the whole queue comes first in `waiting_for` (CONTRACT §9).
            #expect(try await eventually { try await board(b, approval)["waiting_for"] == .string("queue_paused") })
            #expect(try await b.curl("/api/missions/\(approval)/approve", post: "{}").status == 200)
            #expect(try await eventually { try await board(a, delayed)["status"] == .string("queued") })
            #expect(try await a.curl("/api/missions/\(delayed)/pause", post: "{}").status == 200)
            #expect(try await eventually { try await board(a, plain)["waiting_for"] == .string("queue_paused") })
            #expect(try await b.curl("/api/queue/resume", post: "{}").status == 200)
            for id in [plain, approval, dependent] {
                #expect(try await eventually { try await board(a, id)["status"] == .string("completed") }, "\(id)")
            }
            let approvedEnd = try #require(try await board(b, approval)["end_time"]?.stringValue)
            #expect(try #require(try await board(b, dependent)["start_time"]?.stringValue) >= approvedEnd)
            // Past its run_at, the paused one still waits, on both nodes.
            let runAt = try #require(try await board(a, delayed)["run_at"]?.stringValue.flatMap(Timestamp.init(parsing:)))
            try await Task.sleep(for: .milliseconds(max(0, runAt.milliseconds(since: Timestamp.now())) + 200))
            for node in [a, b] { #expect(try await board(node, delayed)["waiting_for"] == .string("paused")) }
            #expect(try await b.curl("/api/missions/\(delayed)/resume", post: "{}").status == 200)
            #expect(try await eventually { try await board(a, delayed)["status"] == .string("completed") })
            // One cancel of the orphan, by the node that recorded the rejection.
            #expect(try await server.psql("SELECT count(*) FROM mission_log WHERE mission_id = '\(orphan)' AND line::json->>'reason' = 'dependency_failed'") == "1")
            for id in [plain, approval, delayed, dependent] {
                #expect(try await server.psql("SELECT count(*) FROM mission_log WHERE mission_id = '\(id)' AND line::json->>'reason' = 'execution_started'") == "1")
            }
            await a.stop()
            await b.stop()
            #expect(try await server.psql("SELECT string_agg(line::json->>'event_type', ',' ORDER BY seq) FROM mission_log WHERE mission_id IS NULL") == "queue_paused,queue_resumed")
        }
    }

    /// CONTRACT §9: a schedule's missed time makes exactly one mission though every node
    /// catches up on it.
    @Test func two_nodes_catching_up_on_a_schedule_make_one_mission() async throws {
        try await TestPostgres.with { server in
            #expect(try await ChildProcess.run(["migrate", "--store", server.url]).status == 0)
            // Yearly: its last missed time cannot change while the nodes start.
            let longAgo = Timestamp(millisecondsSinceEpoch: Timestamp.now().millisecondsSinceEpoch - 800 * 86_400_000)
            let record = #"{"seq":1,"timestamp":"\#(longAgo)","event_type":"schedule_created","schedule_id":"sc-shared","cron":"0 0 1 1 *","mission":{"objective":{"type":"echo","description":"tick"}}}"#
            _ = try await server.psql("INSERT INTO mission_log (seq, mission_id, line) VALUES (1, NULL, '\(record)'); UPDATE log_head SET last_seq = 1 WHERE log = 'missions'")
            async let first = Node(server.url, arguments: ["--node-id", "A"])
            async let second = Node(server.url, arguments: ["--node-id", "B"])
            let (a, b) = try await (first, second)
            let count = "SELECT count(*) FROM mission_log WHERE line::json->>'schedule_id' = 'sc-shared' AND line::json->>'event_type' = 'mission_created'"
            #expect(try await eventually { try await server.psql(count) == "1" })
            #expect(try await eventually {
                try await server.psql("SELECT count(*) FROM mission_log WHERE mission_id IS NOT NULL AND line::json->>'status' = 'completed'") == "1"
            })
            let listed = parse(try await b.curl("/api/schedules").body)
            #expect(listed["schedules"]?.arrayValue?.first?.objectValue?["schedule_id"] == .string("sc-shared"))
            await a.stop()
            await b.stop()
            #expect(try await server.psql(count) == "1")
        }
    }

    @Test func a_node_refuses_a_schema_newer_than_it_knows_in_one_line() async throws {
        try await TestPostgres.with { server in
            #expect(try await ChildProcess.run(["migrate", "--store", server.url]).status == 0)
            _ = try await server.psql("INSERT INTO mission_schema (version) VALUES (\(PostgresSchema.currentVersion + 1))")
            let refused = try await ChildProcess.run(["serve", "--store", server.url, "--port", "0", "--data", TemporaryDirectory().path])
            #expect(refused.status == 1)
            #expect(refused.stderr.split(separator: "\n").count == 1 && refused.stderr.contains("newer than this build"), "\(refused.stderr)")
        }
    }
}
