import MissionModel
@testable import MissionStore
import Foundation
import Glibc
import MissionTestSupport
import Testing
@testable import MissionService

/// CONTRACT §1 "when the disk refuses a write", in process: the missions log's descriptor is
/// pointed at /dev/full (every write fails with ENOSPC) or at a read-only file (EBADF: a
/// failure that is not a full disk), then back. The outside suite does the same on a real
/// full tmpfs.
@Suite struct StorageFailureTests {
    static let body = #"{"objective": {"type": "echo", "description": "DESCRIPTION"}}"#

    /// Points `fd` at `path` opened with `flags`; returns a copy of what it was.
    func redirect(_ fd: Int32, to path: String, _ flags: Int32) -> Int32 {
        let saved = dup(fd)
        let other = open(path, flags)
        dup2(other, fd)
        close(other)
        return saved
    }

    @Test func a_full_disk_is_507_and_health_503_and_it_resumes_by_itself_keeping_what_waited() async throws {
        let live = try LiveServer()
        await live.server.runtime.queue.close()
        let log = try #require(live.server.runtime.store.file)
        let (reports, reported) = AsyncStream.makeStream(of: String.self)
        log.reportStorage { reported.yield($0) }
        var said = reports.makeAsyncIterator()
        let saved = redirect(log.activeFile.fd, to: "/dev/full", O_WRONLY)
        // Caught by the full disk: waits for space instead of failing.
        let caught = Task { try await live.request("POST", "/api/missions", body: Self.body.replacingOccurrences(of: "DESCRIPTION", with: "caught")) }
        #expect(await said.next()?.contains("the disk is full") == true)
        let refused = try await live.request("POST", "/api/missions", body: Self.body.replacingOccurrences(of: "DESCRIPTION", with: "refused"))
        #expect(refused.status == 507)
        #expect(refused.errorCode == "insufficient_storage")
        #expect(refused.header("Retry-After") == "2")
        let health = try await live.request("GET", "/health")
        #expect(health.status == 503)
        #expect(health.json["storage"] == .string("full"))
        #expect(health.header("Retry-After") == "2")
        #expect(try await live.request("GET", "/api/missions").status == 200)

        dup2(saved, log.activeFile.fd)
        close(saved)
        #expect(await said.next()?.contains("space is back") == true)
        let answer = try await caught.value
        #expect(answer.status == 202)
        #expect(try await live.request("GET", "/health").json["storage"] == .string("ok"))
        let descriptions = live.server.runtime.store.board.all().compactMap(\.objective?.description)
        #expect(descriptions == ["caught"])
        try await live.stop()
    }

    @Test func another_write_failure_stops_writes_for_good_with_503_and_the_server_still_stops() async throws {
        let live = try LiveServer { $0.grace = .seconds(1) }
        await live.server.runtime.queue.close()
        let log = try #require(live.server.runtime.store.file)
        let saved = redirect(log.activeFile.fd, to: "/dev/null", O_RDONLY)
        defer { close(saved) }
        let first = try await live.request("POST", "/api/missions", body: Self.body.replacingOccurrences(of: "DESCRIPTION", with: "lost"))
        #expect(first.status == 503)
        #expect(first.errorCode == "storage_failed")
        let second = try await live.request("POST", "/chat/integrated", body: #"{"message": "echo again"}"#)
        #expect(second.status == 503 && second.errorCode == "storage_failed")
        let health = try await live.request("GET", "/health")
        #expect(health.status == 503 && health.json["storage"] == .string("failed"))
        // Whoever waits for a commit is told at once that none will come (false), not left
        // waiting (nil: the bound ran out) — else shutdown would wait out its settle limit.
        let woken = await withTimeout(hangLimit) { await log.waitForCommit(after: log.lastSeq) }
        #expect(woken == false)
        try await live.stop()
        #expect(live.server.runtime.store.board.count == 0)
    }
}
