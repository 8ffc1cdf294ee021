import MissionModel
@testable import MissionStore
import Foundation
import MissionTestSupport
import Testing
@testable import MissionService

/// The `command` and `agent` tools run by the real executor on real child processes.
@Suite struct ToolTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    func harness(allow: [String] = ["echo", "sh", "printf", "head"], agent: String? = nil) async throws -> Harness {
        let registry = try ToolRegistry.standard(allowCommands: allow, agent: agent)
        return try await Harness(tools: registry.names.compactMap { registry.tool(for: $0) }.filter { $0.name != "echo" })
    }

    func finish(_ h: Harness, _ type: String, _ description: String, attempts: Int = 1, duration: Double = 30) async throws -> Whiteboard {
        let id = try await h.submit(type, description, maxAttempts: attempts, maxDuration: duration).whiteboard.missionID
        return try #require(await h.waitForTerminal(id))
    }

    @Test func a_command_runs_without_a_shell_and_answers_with_its_stdout() async throws {
        let h = try await harness()
        let board = try await finish(h, "command", #"printf '%s|' 'a b' "c \"d\"" $HOME '*'"#)
        await h.finish()
        #expect(board.status == .completed)
        #expect(board.executionResult?.finalAnswer == #"a b|c "d"|$HOME|*|"#)
        #expect(board.executionResult?.toolsUsed == ["command"])
        #expect(board.timeline.contains { $0.message.hasPrefix("printf exited with status 0") })
    }

    @Test func a_program_not_allowed_fails_at_once_and_names_the_flag() async throws {
        let h = try await harness()
        let board = try await finish(h, "command", "rm -rf /tmp/nothing", attempts: 3)
        await h.finish()
        #expect(board.status == .failed)
        #expect(board.attempts == 1)
        #expect(board.executionResult?.error?.contains("--allow-command rm") == true)
    }

    @Test func a_non_zero_exit_fails_the_attempt_with_stderr_and_is_retried() async throws {
        let h = try await harness()
        let board = try await finish(h, "command", "sh -c 'echo broken >&2; exit 3'", attempts: 2)
        await h.finish()
        #expect(board.status == .failed)
        #expect(board.attempts == 2)
        #expect(board.executionResult?.error == "`sh` exited with status 3: broken")
    }

    @Test func large_output_is_cut_at_the_limit() async throws {
        let h = try await harness()
        let board = try await finish(h, "command", "head -c 3000000 /dev/zero")
        await h.finish()
        // Captured up to 1 MiB; the record keeps 256 KiB of it and says where it was cut.
        #expect(board.status == .completed)
        let answer = try #require(board.executionResult?.finalAnswer)
        #expect(answer.hasSuffix("[cut at \(ExecutionResult.maxTextBytes) of \(Subprocess.defaultOutputLimit + "\n[stdout cut at \(Subprocess.defaultOutputLimit) bytes]".utf8.count) bytes]"))
        #expect(board.timeline.contains { $0.message.contains("stdout \(Subprocess.defaultOutputLimit) bytes (truncated)") })
    }

    @Test func a_timeout_kills_the_whole_process_group() async throws {
        let dir = TemporaryDirectory()
        let h = try await harness()
        let board = try await finish(h, "command", "sh -c 'sleep 300 & echo $! > \(dir.file("pid")); sleep 300'", duration: 0.5)
        await h.finish()
        #expect(board.status == .failed)
        #expect(board.timeline.last?.message.hasPrefix("timeout:") == true)
        let grandchild = try #require(pid_t(dir.read("pid").trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(waitForExit(grandchild, milliseconds: 5_000))
    }

    @Test func the_example_agent_reports_progress_artifacts_and_a_result() async throws {
        let h = try await harness(agent: "python3 \(Self.repository)/examples/echo_agent.py")
        let board = try await finish(h, "agent", "the quick brown fox")
        await h.finish()
        #expect(board.status == .completed)
        #expect(board.executionResult == ExecutionResult(success: true, finalAnswer: "fox brown quick the", toolsUsed: ["echo_agent"]))
        #expect(board.artifacts == [Artifact(kind: "note", uri: "mission://\(board.missionID)/summary")])
        #expect(board.timeline.filter { $0.labelKind == .phase }.map(\.label) == ["reading", "thinking"])
    }

    static let brokenAgents: [(String, String)] = [
        (#"echo '{not json'"#, "line 1 (invalid JSON"),
        (#"echo '{"progress":{"phase":"p","message":"m"}}'"#, "exited without a {\"result\": …} line"),
        (#"echo '{"result":{"success":true,"final_answer":"x","tools_used":[]}}'; exit 4"#, "exited with status 4"),
        (#"echo '{"result":{"success":true,"final_answer":"x"}}'; echo '{"progress":{"phase":"late","message":"m"}}'"#, "line 2 (a line after the result)"),
        (#"echo '{"thinking":{}}'"#, "unknown key 'thinking'"),
        (#"echo '{"artifact":{"kind":"url"}}'"#, "missing field 'uri'"),
        (#"echo 'oops' >&2; kill -SEGV $$"#, "was killed by signal 11: oops"),
        (#"head -c 300000 /dev/zero | tr '\0' x; echo"#, "line 1 (a line over \(AgentTool.maxLineBytes) bytes)"),
    ]

    @Test(arguments: brokenAgents)
    func a_broken_agent_fails_the_mission_and_says_what_went_wrong(script: String, expected: String) async throws {
        let dir = TemporaryDirectory()
        dir.write("agent.sh", "read mission\n" + script + "\n")
        let h = try await harness(agent: "sh \(dir.file("agent.sh"))")
        let board = try await finish(h, "agent", "anything")
        await h.finish()
        #expect(board.status == .failed)
        #expect(board.executionResult?.error?.contains(expected) == true, "\(board.executionResult?.error ?? "no error")")
    }

    @Test func clipping_a_result_keeps_whole_characters_and_says_where_it_cut() {
        let text = String(repeating: "é", count: 10)  // 2 bytes each
        let clipped = ExecutionResult(success: true, finalAnswer: text, toolsUsed: [], error: "ok").clipped(to: 5)
        #expect(clipped.finalAnswer == "éé\n[cut at 5 of 20 bytes]")
        #expect(clipped.error == "ok")
    }

    @Test func command_words_split_like_a_shell_without_expanding() throws {
        #expect(try CommandWords.split(#"  a  'b c'  "d \"e\" \$f \x"  g\ h ''  "#) == ["a", "b c", #"d "e" $f \x"#, "g h", ""])
        #expect(throws: CommandWords.Error.self) { try CommandWords.split("a 'b") }
        #expect(throws: CommandWords.Error.self) { try CommandWords.split(#"a "b"#) }
        #expect(throws: CommandWords.Error.self) { try CommandWords.split("a \\") }
    }

    @Test func unknown_programs_are_refused_at_start_up() {
        #expect(throws: CommandTool.ConfigurationError.notFound("no-such-program-here")) {
            try ToolRegistry.standard(allowCommands: ["no-such-program-here"], agent: nil)
        }
        #expect(throws: AgentTool.ConfigurationError.self) { try ToolRegistry.standard(allowCommands: [], agent: "no-such-agent") }
    }
}
