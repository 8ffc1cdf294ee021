import MissionModel
@testable import MissionStore
import Foundation
import MissionTestSupport
import Testing
@testable import MissionService

/// `mission serve` killed with SIGKILL while it works, restarted on the same data directory.
@Suite struct CrashRecoveryTests {
    static let missions = 300

    /// Reads the log as a fresh process would: counts missions by status.
    func statuses(_ dir: TemporaryDirectory) throws -> [MissionStatus: Int] {
        try MissionStore(path: dir.file("missions.jsonl"), mode: .readOnly).board.countsByStatus()
    }

    @Test func sigkill_at_work_loses_nothing_and_runs_each_mission_to_one_end() async throws {
        let dir = TemporaryDirectory()
        let lines = (0..<Self.missions).flatMap { i -> [String] in
            let id = "m-\(i)"
            return [makeCreated(id, seq: 2 * i + 1, description: "crash test \(i)"),
                    makeStatus(.queued, "enqueued", seq: 2 * i + 2, attempt: 0, id: id)].map { JSONWriter.string(.object($0.record)) }
        }
        dir.write("missions.jsonl", lines.joined(separator: "\n") + "\n")
        var kills = 0
        for _ in 0..<3 {
            let watcher = try FileWatcher(path: dir.file("missions.jsonl"))
            let serve = try ChildProcess(["serve", "--port", "0", "--data", dir.path, "--workers", "4"])
            // Kill it as soon as it has appended something (mid-work), if there is work left.
            var iterator = watcher.changes.makeAsyncIterator()
            _ = await iterator.next()
            watcher.stop()
            serve.signal(SIGKILL)
            _ = await serve.wait()
            kills += 1
            if try statuses(dir)[.completed] == Self.missions { break }
        }
        #expect(kills >= 1)
        // A crash may leave a torn last line: only that may need repair.
        let verify = try await ChildProcess.run(["verify", "--repair", "--data", dir.path])
        #expect(verify.status == 0, "\(verify.stdout)")
        // The last run goes to the end and stops cleanly.
        let serve = try ChildProcess(["serve", "--port", "0", "--data", dir.path])
        #expect(await serve.waitFor("ready in"))
        let store = try MissionStore(path: dir.file("missions.jsonl"), mode: .readOnly)
        let watcher = try FileWatcher(path: dir.file("missions.jsonl"))
        if store.board.countsByStatus()[.completed] != Self.missions {
            for await _ in watcher.changes where try statuses(dir)[.completed] == Self.missions { break }
        }
        watcher.stop()
        serve.signal(SIGTERM)
        #expect(await serve.wait() == 0)
        #expect(try await ChildProcess.run(["verify", "--data", dir.path]).status == 0)
        let final = try MissionStore(path: dir.file("missions.jsonl"), mode: .readOnly)
        #expect(final.board.countsByStatus() == [.completed: Self.missions])
        // Exactly one terminal record per mission, and every seq equals its line number.
        let entries = try await final.log.entries(after: 0, limit: Int.max)
        #expect(entries.map(\.seq) == Array(1...entries.count))
        var terminal: [String: Int] = [:]
        for entry in entries where try entry.record()["status"] == .string("completed") {
            terminal[try entry.record()["mission_id"]!.stringValue!, default: 0] += 1
        }
        #expect(terminal.count == Self.missions)
        #expect(terminal.values.allSatisfy { $0 == 1 })
    }
}
