import MissionModel
import CShim
import Foundation
import Glibc
import MissionTestSupport
import Testing
@testable import MissionService

func makeSubprocess(_ program: String, _ arguments: [String], input: [UInt8]? = nil, limit: Int = Subprocess.defaultOutputLimit,
                    grace: Duration = .seconds(2)) throws -> Subprocess {
    var configuration = Subprocess.Configuration(executable: "/usr/bin/env", arguments: ["env", program] + arguments)
    configuration.environment = ["PATH": "/usr/local/bin:/usr/bin:/bin"]
    configuration.input = input
    configuration.outputLimit = limit
    configuration.killGrace = grace
    return try Subprocess(configuration)
}

/// Whether `pid` still exists (a zombie counts: it has not been reaped).
func processExists(_ pid: pid_t) -> Bool {
    FileManager.default.fileExists(atPath: "/proc/\(pid)")
}

/// Waits (up to `milliseconds`) for a process that is not our child to exit, on its pidfd.
func waitForExit(_ pid: pid_t, milliseconds: Int32) -> Bool {
    let fd = cshim_pidfd_open(pid)
    guard fd >= 0 else { return !processExists(pid) }
    defer { close(fd) }
    var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
    return poll(&descriptor, 1, milliseconds) == 1
}

@Suite struct SubprocessTests {
    @Test func captures_output_and_exit_status() async throws {
        let output = try await makeSubprocess("sh", ["-c", "echo out; echo err >&2; exit 3"]).wait()
        #expect(output.termination == .exited(3))
        #expect(String(decoding: output.stdout, as: UTF8.self) == "out\n")
        #expect(String(decoding: output.stderr, as: UTF8.self) == "err\n")
        #expect(!output.terminated)
    }

    @Test func arguments_are_passed_as_is_without_a_shell() async throws {
        let output = try await makeSubprocess("printf", ["%s|", "a b", "$HOME", "*", "; rm -rf /"]).wait()
        #expect(String(decoding: output.stdout, as: UTF8.self) == "a b|$HOME|*|; rm -rf /|")
    }

    @Test func stdin_gets_the_input_and_is_closed() async throws {
        let input = Array(String(repeating: "line\n", count: 20_000).utf8)
        let output = try await makeSubprocess("wc", ["-l"], input: input).wait()
        #expect(String(decoding: output.stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) == "20000")
    }

    @Test func large_output_is_capped_but_drained_so_the_child_finishes() async throws {
        let output = try await makeSubprocess("head", ["-c", "5000000", "/dev/zero"], limit: 100_000).wait()
        #expect(output.termination == .exited(0))
        #expect(output.stdout.count == 100_000)
        #expect(output.stdoutTruncated)
    }

    @Test func stdout_lines_arrive_as_they_are_written() async throws {
        let child = try makeSubprocess("sh", ["-c", "echo one; sleep 0.2; printf 'two\\nthree'"])
        var lines: [String] = []
        for await line in child.lines { lines.append(line.text) }
        #expect(lines == ["one", "two", "three"])
        #expect(await child.wait().termination == .exited(0))
    }

    @Test func terminate_kills_the_whole_process_group_and_reaps_the_child() async throws {
        let child = try makeSubprocess("sh", ["-c", "sleep 300 & echo $!; sleep 300"])
        var iterator = child.lines.makeAsyncIterator()
        let grandchild = try #require(await iterator.next().flatMap { pid_t($0.text) })
        #expect(processExists(grandchild))
        child.terminate()
        let output = await child.wait()
        #expect(output.termination == .signalled(SIGTERM))
        #expect(output.terminated)
        #expect(!processExists(child.pid))
        // The grandchild got the signal too (same group).
        #expect(waitForExit(grandchild, milliseconds: 5_000))
    }

    @Test func a_child_that_ignores_sigterm_is_killed_after_the_grace() async throws {
        let child = try makeSubprocess("sh", ["-c", "trap '' TERM; echo ready; while :; do sleep 1; done"], grace: .milliseconds(200))
        var iterator = child.lines.makeAsyncIterator()
        _ = await iterator.next()
        child.terminate()
        // SIGTERM is ignored: only the escalation can end it.
        #expect(await child.wait().termination == .signalled(SIGKILL))
    }

    @Test func descendants_left_running_when_the_child_exits_are_killed() async throws {
        let dir = TemporaryDirectory()
        // The grandchild writes faster than anything can drain; the child exits at once.
        let output = try await makeSubprocess("sh", ["-c", "cat /dev/zero & echo $! > \(dir.file("pid")); exit 0"]).wait()
        #expect(output.termination == .exited(0))
        let grandchild = try #require(pid_t(dir.read("pid").trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(waitForExit(grandchild, milliseconds: 5_000))
    }

    @Test func cancelling_the_task_terminates_the_child() async throws {
        let child = try makeSubprocess("sleep", ["300"])
        let task = Task { await child.run() }
        task.cancel()
        #expect(await task.value.termination == .signalled(SIGTERM))
    }

    @Test func a_missing_program_fails_to_spawn() throws {
        #expect(throws: SubprocessError.self) { try Subprocess(Subprocess.Configuration(executable: "/nonexistent/bin/x", arguments: ["x"])) }
    }
}
