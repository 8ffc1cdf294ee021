import Foundation
import MissionModel
import MissionStore
import MissionTestSupport
import Testing

/// The commands that read or fill a cluster store (CONTRACT §8), as child processes against a
/// real PostgreSQL server: import a data directory, export it back byte for byte, and read it
/// with `list`, `whiteboard`, `tail` and `verify` as a data directory is read.
@Suite struct StoreCommandTests {
    @Test func a_data_directory_imported_exports_back_byte_for_byte_and_reads_the_same() async throws {
        try await TestPostgres.with { server in
            let dir = TemporaryDirectory()
            for text in ["first", "second", "third"] {
                let run = try await ChildProcess.run(["run", text, "--data", dir.path])
                #expect(run.status == 0, "\(run.stderr)")
            }
            let chat = try await ChildProcess.run(["chat", "echo keyed", "--idempotency-key", "k-1", "--data", dir.path, "--json"])
            #expect(chat.status == 0)
            let url = server.url
            let imported = try await ChildProcess.run(["import", "--data", dir.path, "--store", url, "--json"])
            #expect(imported.status == 0, "\(imported.stderr)")
            let missionsFile = dir.read("missions.jsonl"), signalsFile = dir.read("learning_signals.jsonl")
            #expect(parse(imported.stdout)["missions_records"] == .int(missionsFile.split(separator: "\n").count))
            // Back out exactly as written: the same bytes, the same seqs.
            #expect(try await ChildProcess.run(["export", "--store", url]).stdout == missionsFile)
            #expect(try await ChildProcess.run(["export", "signals", "--store", url]).stdout == signalsFile)
            // Read as the directory is read.
            let fromStore = try await ChildProcess.run(["list", "--store", url, "--json"])
            let fromData = try await ChildProcess.run(["list", "--data", dir.path, "--json"])
            #expect(fromStore.status == 0 && fromStore.stdout == fromData.stdout, "\(fromStore.stderr)")
            let id = try #require(parse(chat.stdout)["mission_id"]?.stringValue)
            // Its first record (created) without its second (queued): the last two of the log.
            let created = String(missionsFile.split(separator: "\n").count - 1)
            let board = try await ChildProcess.run(["whiteboard", id, "--at-seq", created, "--store", url, "--json"])
            let boardFromData = try await ChildProcess.run(["whiteboard", id, "--at-seq", created, "--data", dir.path, "--json"])
            #expect(board.status == 0 && board.stdout == boardFromData.stdout, "\(board.stderr)")
            let tail = try await ChildProcess.run(["tail", "--since", "0", "--json"], environment: ["MISSION_STORE": url])
            #expect(tail.stdout == missionsFile)
            let verified = try await ChildProcess.run(["verify", "--store", url])
            #expect(verified.status == 0 && verified.stdout.contains("sound"), "\(verified.stdout)\(verified.stderr)")
            // The claims came along: the same key on the store is the same mission.
            #expect(try await server.psql("SELECT holder FROM log_claim WHERE claim = 'idempotency:k-1'") == id)
            // A store with records takes no import, and is left as it was.
            let again = try await ChildProcess.run(["import", "--data", dir.path, "--store", url])
            #expect(again.status == 1 && again.stderr.contains("holds records already"))
            #expect(try await ChildProcess.run(["export", "--store", url]).stdout == missionsFile)
            // A gap is found.
            _ = try await server.psql("DELETE FROM mission_log WHERE seq = 3")
            let gap = try await ChildProcess.run(["verify", "--store", url])
            #expect(gap.status == 1 && gap.stdout.contains("seq 4 follows 2: 1 missing"), "\(gap.stdout)")
        }
    }

    @Test func a_node_on_an_imported_store_numbers_on_from_its_last_seq() async throws {
        try await TestPostgres.with { server in
            let dir = TemporaryDirectory()
            #expect(try await ChildProcess.run(["run", "before", "--data", dir.path]).status == 0)
            let records = dir.lines("missions.jsonl").count
            #expect(try await ChildProcess.run(["import", "--data", dir.path, "--store", server.url]).status == 0)
            let node = try ChildProcess(["serve", "--store", server.url, "--port", "0", "--data", TemporaryDirectory().path])
            #expect(await node.waitFor("listening on"))
            let port = try #require(node.stdout.split(separator: ":").last.flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) })
            let created = try await TestPostgres.runProgram("/usr/bin/curl", ["-s", "-X", "POST", "-d", #"{"objective":{"type":"echo","description":"after"}}"#,
                                                                             "http://127.0.0.1:\(port)/api/missions"])
            let id = try #require(parse(created.output)["mission_id"]?.stringValue)
            let first = try await server.psql("SELECT min(seq) FROM mission_log WHERE mission_id = '\(id)'")
            #expect(first == String(records + 1))
            node.signal(SIGTERM)
            #expect(await node.wait() == 0)
            let verified = try await ChildProcess.run(["verify", "--store", server.url])
            #expect(verified.status == 0, "\(verified.stdout)")
        }
    }

    @Test func a_read_command_on_a_store_without_the_schema_says_what_to_do() async throws {
        try await TestPostgres.with { server in
            let list = try await ChildProcess.run(["list", "--store", server.url])
            #expect(list.status == 1)
            #expect(list.stderr.contains("mission migrate --store URL"), "\(list.stderr)")
            #expect(try await server.psql("SELECT count(*) FROM pg_tables WHERE tablename = 'mission_log'") == "0")
        }
    }
}
