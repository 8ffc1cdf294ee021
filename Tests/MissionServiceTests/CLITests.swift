import MissionModel
@testable import MissionStore
import Foundation
import MissionTestSupport
import Testing
@testable import MissionService
@testable import MissionCLI

/// The built `mission` binary, run as a child process on a temporary data directory.
@Suite struct CLITests {
    @Test func run_prints_progress_then_the_final_whiteboard_and_exits_0() async throws {
        let dir = TemporaryDirectory()
        let result = try await ChildProcess.run(["run", "hello from the cli", "--data", dir.path, "--json"])
        #expect(result.status == 0)
        let board = try JSONParser.parse(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)).objectValue!
        #expect(board["status"] == .string("completed"))
        #expect(board["execution_result"]?.objectValue?["final_answer"] == .string("hello from the cli"))
        #expect(result.stderr.contains("queued (enqueued)"))
        #expect(result.stderr.contains("active (execution_started, attempt 1)"))
        #expect(result.stderr.contains("completed (execution_finished, attempt 1) answer: hello from the cli"))
        #expect(dir.lines("missions.jsonl").count == 5)
        // Its checkpoint is written, and not talked about.
        #expect(FileManager.default.fileExists(atPath: dir.file("missions.checkpoint")))
        #expect(!result.stderr.contains("checkpoint"), "\(result.stderr)")
    }

    @Test func usage_errors_exit_2_with_a_hint() async throws {
        for arguments in [["run"], ["run", "x", "--bogus"], ["frobnicate"], ["list", "--status", "sleeping"], ["run", "x", "--max-pages", "0"]] {
            let result = try await ChildProcess.run(arguments)
            #expect(result.status == 2, "\(arguments)")
            #expect(result.stderr.contains("mission"), "\(arguments)")
            #expect(result.stdout.isEmpty, "\(arguments)")
        }
    }

    @Test func every_command_answers_help_with_exit_0() async throws {
        for command in MissionCommands.parser.commands.map(\.name) {
            let result = try await ChildProcess.run([command, "--help"])
            #expect(result.status == 0)
            #expect(result.stdout.contains("Usage: mission \(command)"))
        }
    }

    @Test func whiteboard_list_and_at_seq_read_the_log() async throws {
        let dir = TemporaryDirectory()
        let run = try await ChildProcess.run(["run", "first", "--data", dir.path, "--json"])
        let id = try JSONParser.parse(run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)).objectValue!["mission_id"]!.stringValue!
        let early = try await ChildProcess.run(["whiteboard", id, "--at-seq", "2", "--data", dir.path, "--json"])
        #expect(early.status == 0)
        let board = try JSONParser.parse(early.stdout.trimmingCharacters(in: .whitespacesAndNewlines)).objectValue!
        #expect(board["status"] == .string("queued"))
        #expect(board["last_seq"] == .int(2))
        let env = ["MISSION_DATA_DIR": dir.path]
        let list = try await ChildProcess.run(["list", "--json"], environment: env)
        let listed = try JSONParser.parse(list.stdout.trimmingCharacters(in: .whitespacesAndNewlines)).objectValue!
        #expect(listed["total"] == .int(1))
        #expect(listed["missions"]?.arrayValue?.first?.objectValue?["status"] == .string("completed"))
        // A type longer than its column is shown whole, not cut.
        let python = TemporaryDirectory()
        try FileManager.default.copyItem(atPath: ToolTests.repository + "/data/examples/missions.jsonl", toPath: python.file("missions.jsonl"))
        let old = try await ChildProcess.run(["list", "--data", python.path])
        #expect(old.stdout.contains("web_research "), "\(old.stdout)")
        let missing = try await ChildProcess.run(["whiteboard", "m-nothere"], environment: env)
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("not found"))
    }

    @Test func tail_json_prints_records_exactly_as_stored() async throws {
        let dir = TemporaryDirectory()
        _ = try await ChildProcess.run(["run", "a", "--data", dir.path])
        _ = try await ChildProcess.run(["run", "b", "--data", dir.path])
        let all = try await ChildProcess.run(["tail", "--since", "0", "--json", "--data", dir.path])
        #expect(all.stdout == dir.read("missions.jsonl"))
        let last = try await ChildProcess.run(["tail", "--json", "--data", dir.path])
        #expect(last.stdout.split(separator: "\n").map(String.init) == Array(dir.lines("missions.jsonl").suffix(10)))
        let signals = try await ChildProcess.run(["tail", "signals", "--since", "2", "--json", "--data", dir.path])
        #expect(signals.stdout.split(separator: "\n").map(String.init) == Array(dir.lines("learning_signals.jsonl").dropFirst(2)))
        // One mission's records only, in either log.
        let second = try #require(parse(dir.lines("missions.jsonl").last!)["mission_id"]?.stringValue)
        for log in ["missions", "signals"] {
            let mine = try await ChildProcess.run(["tail", log, "--since", "0", "--json", "--mission", second, "--data", dir.path])
            let expected = dir.lines(log == "missions" ? "missions.jsonl" : "learning_signals.jsonl").filter { parse($0)["mission_id"] == .string(second) }
            #expect(!expected.isEmpty)
            #expect(mine.stdout.split(separator: "\n").map(String.init) == expected)
        }
    }

    @Test func tail_follow_shows_records_another_process_appends() async throws {
        let dir = TemporaryDirectory()
        _ = try await ChildProcess.run(["run", "before", "--data", dir.path])
        let tail = try ChildProcess(["tail", "--follow", "--data", dir.path])
        #expect(await tail.waitFor("answer: before"))
        _ = try await ChildProcess.run(["run", "appended later", "--data", dir.path])
        #expect(await tail.waitFor("answer: appended later"))
        tail.signal(SIGINT)
        let status = await tail.wait()
        #expect(status == 0, "stderr: \(tail.stderr)")
    }

    @Test func verify_reports_corruption_and_repairs_only_a_torn_tail() async throws {
        let dir = TemporaryDirectory()
        _ = try await ChildProcess.run(["run", "fine", "--data", dir.path])
        #expect(try await ChildProcess.run(["verify", "--data", dir.path]).status == 0)
        // A crash mid-write: a partial last line.
        let handle = FileHandle(forWritingAtPath: dir.file("missions.jsonl"))!
        handle.seekToEndOfFile()
        handle.write(Data(#"{"seq":6,"timestamp":"2026-"#.utf8))
        try handle.close()
        let torn = try await ChildProcess.run(["verify", "--data", dir.path])
        #expect(torn.status == 1)
        #expect(torn.stdout.contains("torn last line of 27 bytes"))
        let repaired = try await ChildProcess.run(["verify", "--repair", "--data", dir.path])
        #expect(repaired.status == 0)
        #expect(dir.read("missions.jsonl.torn") == #"{"seq":6,"timestamp":"2026-"# + "\n")
        #expect(try await ChildProcess.run(["verify", "--data", dir.path]).status == 0)
        // Damage in the middle is reported with its line and never "repaired".
        var lines = dir.lines("missions.jsonl")
        lines[1] = "{not json"
        lines[3] = lines[3].replacingOccurrences(of: "\"seq\":4", with: "\"seq\":40")
        dir.write("missions.jsonl", lines.joined(separator: "\n") + "\n")
        let corrupt = try await ChildProcess.run(["verify", "--repair", "--data", dir.path])
        #expect(corrupt.status == 1)
        #expect(corrupt.stdout.contains("line 2: invalid JSON"))
        #expect(corrupt.stdout.contains("line 4: seq is 40 on line 4"))
        #expect(dir.lines("missions.jsonl") == lines)
        // And the service refuses to start on it, naming file and line.
        let run = try await ChildProcess.run(["run", "x", "--data", dir.path])
        #expect(run.status == 1)
        #expect(run.stderr.contains("missions.jsonl:2: corrupt record"))
    }

    @Test func repair_keeps_every_good_record_at_its_seq_around_damage_and_a_removed_line() async throws {
        let dir = TemporaryDirectory()
        for word in ["one", "two", "three"] { _ = try await ChildProcess.run(["run", word, "--data", dir.path]) }
        let original = dir.lines("missions.jsonl")
        #expect(original.count == 15)
        // Line 2 damaged in place; line 7 removed by hand (every later record is off by one).
        var damaged = original
        damaged[1] = "{not json"
        damaged.remove(at: 6)
        dir.write("missions.jsonl", damaged.joined(separator: "\n") + "\n")
        let refused = try await ChildProcess.run(["run", "four", "--data", dir.path])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("missions.jsonl:2: corrupt record") && refused.stderr.contains("`mission repair`"))
        let verify = try await ChildProcess.run(["verify", "--data", dir.path])
        #expect(verify.stdout.contains("`mission repair`"))

        let repair = try await ChildProcess.run(["repair", "--data", dir.path, "--json"])
        #expect(repair.status == 0, "\(repair.stderr)")
        let report = parse(repair.stdout.trimmingCharacters(in: .whitespacesAndNewlines))["logs"]!.arrayValue![0].objectValue!
        #expect(report["replaced"] == .array([.int(2)]))
        #expect(report["filled"] == .array([.int(7)]))
        let kept = try #require(report["original"]?.stringValue)
        #expect(try String(contentsOfFile: kept, encoding: .utf8) == damaged.joined(separator: "\n") + "\n")
        let repaired = dir.lines("missions.jsonl")
        #expect(repaired.count == original.count)
        for (index, line) in original.enumerated() where index != 1 && index != 6 { #expect(repaired[index] == line) }
        for index in [1, 6] {
            let placeholder = parse(repaired[index])
            #expect(placeholder["seq"] == .int(index + 1))
            #expect(placeholder["event_type"] == .string("record_lost"))
        }
        let after = try await ChildProcess.run(["verify", "--data", dir.path])
        #expect(after.status == 0, "\(after.stdout)")
        #expect(after.stdout.contains("3 missions") && after.stdout.contains("2 record_lost placeholders"))
        // The service opens it again and goes on from the next seq.
        #expect(try await ChildProcess.run(["run", "four", "--data", dir.path]).status == 0)
        #expect(parse(dir.lines("missions.jsonl")[15])["seq"] == .int(16))
        // A sound log is left alone.
        let again = try await ChildProcess.run(["repair", "--data", dir.path])
        #expect(again.stdout.contains("nothing to repair"))
    }

    @Test func reading_commands_refuse_a_data_directory_that_does_not_exist() async throws {
        let missing = TemporaryDirectory().file("no-such-dir")
        for command in [["verify"], ["list"], ["tail"], ["whiteboard", "m-x"], ["repair"]] {
            let result = try await ChildProcess.run(command + ["--data", missing])
            #expect(result.status == 1, "\(command)")
            #expect(result.stderr.contains("no data directory at \(missing)"), "\(command): \(result.stderr)")
        }
        let empty = TemporaryDirectory()
        #expect(try await ChildProcess.run(["verify", "--data", empty.path]).status == 0)
        let version = try await ChildProcess.run(["--version"])
        #expect(version.status == 0 && version.stdout.hasPrefix("mission \(MissionCommands.version)"))
    }

    @Test func verify_finds_illegal_transitions() async throws {
        let dir = TemporaryDirectory()
        _ = try await ChildProcess.run(["run", "done", "--data", dir.path])
        let id = parse(dir.lines("missions.jsonl")[0])["mission_id"]!.stringValue!
        let again = JSONWriter.string(.object(["seq": .int(6), "timestamp": .string("2026-11-21T10:00:00.000Z"), "event_type": .string("mission_status_update"),
                                               "mission_id": .string(id), "status": .string("active"), "reason": .string("zombie")]))
        dir.write("missions.jsonl", dir.read("missions.jsonl") + again + "\n")
        let result = try await ChildProcess.run(["verify", "--data", dir.path])
        #expect(result.status == 1)
        #expect(result.stdout.contains("line 6: illegal status change of \(id): completed → active"))
    }

    @Test func cancel_marks_a_queued_mission_cancelled() async throws {
        let dir = TemporaryDirectory()
        dir.write("missions.jsonl", JSONWriter.string(.object(makeCreated("m-waiting", description: "waiting").record)) + "\n")
        let result = try await ChildProcess.run(["cancel", "m-waiting", "--data", dir.path, "--json"])
        #expect(result.status == 0)
        #expect(try JSONParser.parse(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)).objectValue!["status"] == .string("cancelled"))
        let twice = try await ChildProcess.run(["cancel", "m-waiting", "--data", dir.path])
        #expect(twice.status == 1)
        #expect(twice.stderr.contains("already cancelled"))
    }

    @Test func serve_runs_what_was_queued_and_stops_gracefully_on_sigterm() async throws {
        let dir = TemporaryDirectory()
        let created = makeCreated("m-left", description: "left behind")
        let active = makeStatus(.active, "execution_started", seq: 2, attempt: 1, id: "m-left")
        dir.write("missions.jsonl", [created, active].map { JSONWriter.string(.object($0.record)) }.joined(separator: "\n") + "\n")
        let serve = try ChildProcess(["serve", "--port", "0", "--data", dir.path, "--workers", "2"])
        #expect(await serve.waitFor("ready in"))
        #expect(serve.stderr.contains("recovered 1 interrupted"))
        let busy = try await ChildProcess.run(["run", "x", "--data", dir.path])
        #expect(busy.status == 1)
        #expect(busy.stderr.contains("another mission process"))
        let cancel = try await ChildProcess.run(["cancel", "m-left", "--data", dir.path])
        #expect(cancel.status == 1)
        #expect(cancel.stderr.contains("--server URL"), "\(cancel.stderr)")
        serve.signal(SIGTERM)
        #expect(await serve.wait() == 0)
        #expect(serve.stderr.contains("SIGTERM: stopping"))
        let board = try #require(try MissionStore(path: dir.file("missions.jsonl"), mode: .readOnly).whiteboard("m-left"))
        #expect(board.status == .completed)
        #expect(board.attempts == 2)
        #expect(FileManager.default.fileExists(atPath: dir.file("missions.checkpoint")))
    }

    @Test func chat_answers_with_envelopes_and_dedups_against_the_log_across_processes() async throws {
        let dir = TemporaryDirectory()
        let first = try await ChildProcess.run(["chat", "echo from chat", "--data", dir.path, "--json", "--idempotency-key", "k"])
        #expect(first.status == 0)
        let envelope = try JSONParser.parse(first.stdout.trimmingCharacters(in: .whitespacesAndNewlines)).objectValue!
        #expect(envelope["type"] == .string("mission_started"))
        let id = envelope["mission_id"]!.stringValue!
        let twin = try await ChildProcess.run(["chat", "ECHO  from chat", "--data", dir.path, "--json"])
        let twinEnvelope = try JSONParser.parse(twin.stdout.trimmingCharacters(in: .whitespacesAndNewlines)).objectValue!
        #expect(twinEnvelope["type"] == .string("mission_deduplicated"))
        #expect(twinEnvelope["mission_id"] == .string(id))
        let repeated = try await ChildProcess.run(["chat", "echo from chat", "--data", dir.path, "--json", "--idempotency-key", "k"])
        #expect(repeated.stdout == first.stdout)
        let reused = try await ChildProcess.run(["chat", "echo other", "--data", dir.path, "--idempotency-key", "k"])
        #expect(reused.status == 1)
        #expect(reused.stderr.contains("already used with a different request body"))
        #expect(try await ChildProcess.run(["chat", "x", "--policy", "sometimes"]).status == 2)
        // `run` of the same objective runs the queued twin instead of waiting for it forever.
        let run = try await ChildProcess.run(["run", "from chat", "--data", dir.path, "--json"])
        #expect(run.status == 0)
        #expect(run.stderr.contains("an identical mission was already queued; running it"))
        #expect(try JSONParser.parse(run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)).objectValue!["mission_id"] == .string(id))
    }

    @Test func run_interrupted_by_sigint_exits_130_and_puts_the_mission_back_in_the_queue() async throws {
        let dir = TemporaryDirectory()
        let run = try ChildProcess(["run", "sleep 300", "--type", "command", "--allow-command", "sleep", "--data", dir.path, "--json"])
        #expect(await run.waitFor("running sleep 300"))
        run.signal(SIGINT)
        #expect(await run.wait() == 130)
        let board = try JSONParser.parse(run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)).objectValue!
        #expect(board["status"] == .string("queued"))
        #expect(run.stderr.contains("SIGINT: stopping"))
        let timeline = board["timeline"]!.arrayValue!
        #expect(timeline.last?.objectValue?["message"]?.stringValue?.hasPrefix("interrupted") == true)
    }

    @Test func run_of_a_url_fetches_pages_and_shows_each_as_it_goes() async throws {
        let site = try await FetchToolTests.Site()
        let dir = TemporaryDirectory()
        let run = try await ChildProcess.run(["run", site.url("/index.html"), "--max-pages", "3", "--data", dir.path, "--json"])
        await site.stop()
        #expect(run.status == 0)
        for (number, path) in ["/index.html", "/a.html", "/b.html"].enumerated() {
            #expect(run.stderr.contains("progress fetch: page \(number + 1) of at most 3: \(site.url(path))"))
            #expect(run.stderr.contains("artifact url \(site.url(path))"))
        }
        let board = try JSONParser.parse(run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)).objectValue!
        #expect(board["objective"]?.objectValue?["type"] == .string("fetch"))
        #expect(board["constraints"]?.objectValue?["allowed_domains"] == .array([.string("127.0.0.1")]))
        #expect(site.forbiddenConnections.isEmpty)
    }
}
