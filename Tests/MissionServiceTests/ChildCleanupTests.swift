@testable import MissionStore
import CShim
import Foundation
import Glibc
import MissionTestSupport
import Testing
@testable import MissionService

/// A `command` mission's processes when the process that runs it is killed with SIGKILL.
@Suite struct ChildCleanupTests {
    /// Waits until `file` holds a line other than `previous` (a pid written by the mission's
    /// shell), re-reading it each time it changes.
    func awaitPid(in dir: TemporaryDirectory, _ name: String, other previous: pid_t? = nil) async throws -> pid_t {
        let watcher = try FileWatcher(path: dir.file(name))
        defer { watcher.stop() }
        func current() -> pid_t? {
            pid_t(dir.read(name).trimmingCharacters(in: .whitespacesAndNewlines)).flatMap { $0 == previous ? nil : $0 }
        }
        if let pid = current() { return pid }
        for await _ in watcher.changes {
            if let pid = current() { return pid }
        }
        throw ToolError("\(name) never changed")
    }

    /// Whether `pidfd`'s process has exited within `milliseconds`.
    func exited(_ pidfd: Int32, within milliseconds: Int32) -> Bool {
        var poller = pollfd(fd: pidfd, events: Int16(POLLIN), revents: 0)
        return poll(&poller, 1, milliseconds) == 1
    }

    @Test func a_killed_runner_takes_its_child_along_and_recovery_ends_the_rest_before_the_next_attempt() async throws {
        let dir = TemporaryDirectory()
        let data = TemporaryDirectory()
        dir.write("child", "")
        dir.write("grandchild", "")
        // The shell is the tool's child; `sleep` is its child, in its process group, and is
        // not covered by the parent-death signal.
        let script = "sleep 300 & echo $! > \(dir.file("grandchild")); echo $$ > \(dir.file("child")); wait"
        let run = try ChildProcess(["run", "sh -c '\(script)'", "--type", "command", "--allow-command", "sh", "--data", data.path])
        let child = try await awaitPid(in: dir, "child")
        let grandchild = try await awaitPid(in: dir, "grandchild")
        let childFD = cshim_pidfd_open(child), grandchildFD = cshim_pidfd_open(grandchild)
        defer { close(childFD); close(grandchildFD) }
        try #require(childFD >= 0 && grandchildFD >= 0)

        run.signal(SIGKILL)
        _ = await run.wait()
        #expect(exited(childFD, within: 5_000), "the command's process outlived the runner killed with SIGKILL")
        #expect(!exited(grandchildFD, within: 200), "the grandchild is expected to outlive its parent: recovery's to end")

        // The restart ends what the first attempt left before its second attempt starts.
        let serve = try ChildProcess(["serve", "--port", "0", "--data", data.path, "--allow-command", "sh", "--grace-seconds", "1"])
        let second = try await awaitPid(in: dir, "child", other: child)
        #expect(exited(grandchildFD, within: 0), "attempt 2 started while attempt 1's process still ran")
        #expect(serve.stderr.contains("ended process \(grandchild)"))
        let board = try MissionStore(path: data.file("missions.jsonl"), mode: .readOnly).board.all().first
        #expect(board?.attempts == 2)
        serve.signal(SIGTERM)
        #expect(await serve.wait() == 0)
        // A graceful stop kills the running attempt's whole group.
        let secondFD = cshim_pidfd_open(second)
        defer { if secondFD >= 0 { close(secondFD) } }
        #expect(secondFD < 0 || exited(secondFD, within: 5_000))
    }
}
