import Foundation
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
        let again = try await ChildProcess.run(["cancel", id, "--server", url, "--token", "tk"])
        #expect(again.status == 1)
        #expect(again.stderr.contains("409 conflict"))
        try await live.stop()
    }
}
