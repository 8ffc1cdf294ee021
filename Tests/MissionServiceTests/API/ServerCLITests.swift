import MissionModel
import Foundation
import MissionTestSupport
import Testing
@testable import MissionService

/// The `mission` binary with `--server`, against a live server in this process.
@Suite struct ServerCLITests {
    @Test func chat_list_whiteboard_and_cancel_work_through_the_server() async throws {
        let live = try LiveServer { $0.token = BearerToken("tk") }
        await live.server.runtime.queue.close()
        let url = "http://127.0.0.1:\(live.port)"
        let refused = try await ChildProcess.run(["chat", "echo over http", "--server", url, "--json"])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("401 unauthorized"))
        let chat = try await ChildProcess.run(["chat", "echo over http", "--server", url, "--json"], environment: ["MISSION_TOKEN": "tk"])
        #expect(chat.status == 0)
        let envelope = parse(chat.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(envelope["type"] == .string("mission_started"))
        let id = try #require(envelope["mission_id"]?.stringValue)
        #expect(live.server.runtime.store.whiteboard(id)?.status == .queued)
        let list = try await ChildProcess.run(["list", "--server", url])
        #expect(list.stdout.contains(id) && list.stdout.contains("queued"))
        let board = try await ChildProcess.run(["whiteboard", id, "--server", url, "--json"])
        #expect(parse(board.stdout.trimmingCharacters(in: .whitespacesAndNewlines))["mission_id"] == .string(id))
        let cancel = try await ChildProcess.run(["cancel", id, "--server", url, "--token", "tk", "--json"])
        #expect(cancel.status == 0)
        #expect(live.server.runtime.store.whiteboard(id)?.status == .cancelled)
        let wrongToken = try await ChildProcess.run(["chat", "echo over http", "--server", url, "--token", "nope"])
        #expect(wrongToken.stderr.contains("not this server's"))
        #expect(refused.stderr.contains("--token T or $MISSION_TOKEN"))
        let again = try await ChildProcess.run(["cancel", id, "--server", url, "--token", "tk"])
        #expect(again.status == 1)
        #expect(again.stderr.contains("409 conflict"))
        try await live.stop()
    }

    @Test func cancel_prints_one_line_and_json_only_when_asked() async throws {
        let live = try LiveServer()
        await live.server.runtime.queue.close()
        let url = "http://127.0.0.1:\(live.port)"
        let id = try await live.server.runtime.submit(MissionRequest(objective: Objective(type: "echo", description: "x"),
                                                                      source: MissionSource(channel: .cli))).whiteboard.missionID
        let cancel = try await ChildProcess.run(["cancel", id, "--server", url])
        #expect(cancel.status == 0)
        #expect(cancel.stdout == "mission \(id) is cancelled\n")
        try await live.stop()
    }

    @Test func tail_follow_reconnects_to_a_server_that_comes_back_and_misses_nothing() async throws {
        let dir = TemporaryDirectory()
        var live = try LiveServer(dir: dir)
        // Nothing runs: a pause of the whole queue, recorded, so that the restarted server
        // starts paused too (a `close()` after it started could come after a worker took one).
        try await live.server.runtime.setQueuePaused(true)
        let port = live.port
        func submit(_ text: String) async throws -> String {
            try await live.server.runtime.submit(MissionRequest(objective: Objective(type: "echo", description: text),
                                                                source: MissionSource(channel: .cli))).whiteboard.missionID
        }
        let first = try await submit("before")
        let tail = try ChildProcess(["tail", "--server", "http://127.0.0.1:\(port)", "--follow", "--since", "0"])
        #expect(await tail.waitFor(first))
        try await live.stop()
        #expect(await tail.waitFor("reconnecting"))
        live = try LiveServer(dir: dir) { $0.http.port = port }
        let second = try await submit("after")
        #expect(await tail.waitFor(second))
        #expect(tail.stderr.contains("reconnected"))
        tail.signal(SIGINT)
        #expect(await tail.wait() == 0)
        try await live.stop()
        // Every record once, in order, across the reconnection.
        let seqs = tail.stdout.split(separator: "\n").compactMap { line in line.split(separator: " ").first.flatMap { Int($0.dropFirst()) } }
        #expect(seqs == Array(1...seqs.count) && seqs.count == 5, "\(tail.stdout)")
        #expect(tail.stdout.hasPrefix("#1 "), "\(tail.stdout)")
        #expect(tail.stdout.split(separator: "\n").first?.hasSuffix("queue paused: no mission starts until it is resumed") == true)
    }
}
