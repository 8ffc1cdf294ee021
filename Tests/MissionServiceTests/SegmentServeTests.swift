import Foundation
import MissionModel
import MissionStore
import MissionTestSupport
import Testing

/// Segments as users meet them (CONTRACT §10): `mission serve --segment-bytes` seals its logs
/// as they grow, and every command that reads them (a restart, the API, `verify`, `tail`,
/// `tail --follow` in another process) sees one log with every seq.
@Suite struct SegmentServeTests {
    static let missions = 60

    @Test func a_server_with_small_segments_keeps_every_record_readable_across_restarts() async throws {
        let data = TemporaryDirectory()
        let first = try await ServeNode(nil, arguments: ["--segment-bytes", "4096", "--workers", "4"], data: data)
        // Another process follows the log from its start while it is sealed under it.
        let follower = try ChildProcess(["tail", "missions", "--follow", "--since", "0", "--json", "--data", data.path])
        var ids: [String] = []
        for n in 0..<Self.missions {
            let created = try await first.curl("/api/missions", post: #"{"objective": {"type": "echo", "description": "segment \#(n)"}}"#)
            #expect(created.status == 202)
            ids.append(try #require(parse(created.body)["mission_id"]?.stringValue))
        }
        // Asked again until it holds: a change to the files can come before the server's view
        // shows it, so waiting for the next change could wait for ever.
        #expect(try await eventually { try await completedCount(first) == Self.missions })
        #expect(await first.stop() == 0)
        let sealed = try FileManager.default.contentsOfDirectory(atPath: data.path).filter { $0.hasPrefix("missions-") && $0.hasSuffix(".jsonl") }.sorted()
        #expect(sealed.count >= 3, "\(sealed)")
        #expect(sealed.first == "missions-00000000000000000001.jsonl")

        // Every record, once, in seq order: from the follower that watched it happen and from
        // a plain tail afterwards.
        let tail = try await ChildProcess.run(["tail", "missions", "--since", "0", "--json", "--data", data.path])
        #expect(tail.status == 0)
        let seqs = tail.stdout.split(separator: "\n").compactMap { parse(String($0))["seq"]?.intValue }
        #expect(seqs == Array(1...seqs.count))
        #expect(seqs.count >= Self.missions * 4)
        #expect(await follower.waitFor(#""seq":\#(seqs.count),"#))
        follower.signal(SIGINT)
        _ = await follower.wait()
        #expect(follower.stdout.split(separator: "\n").compactMap { parse(String($0))["seq"]?.intValue } == seqs)

        let verify = try await ChildProcess.run(["verify", "--data", data.path])
        #expect(verify.status == 0, "\(verify.stdout)")
        #expect(verify.stdout.contains("segments (seq 1 on)"), "\(verify.stdout)")

        // A restart (from the checkpoint the stop wrote) answers for the oldest mission too.
        let second = try await ServeNode(nil, arguments: ["--segment-bytes", "4096"], data: data)
        #expect(try await completedCount(second) == Self.missions)
        let oldest = try await second.curl("/api/missions/\(ids[0])/events")
        #expect(oldest.status == 200)
        let events = try #require(parse(oldest.body)["events"]?.arrayValue)
        #expect(events.first?.objectValue?["seq"] == .int(1))
        #expect(events.last?.objectValue?["status"] == .string("completed"))
        let atCreation = try await second.curl("/api/whiteboard/\(ids[0])?at_seq=1")
        #expect(parse(atCreation.body)["status"] == .string("queued"))
        #expect(await second.stop() == 0)
    }

    private func completedCount(_ node: ServeNode) async throws -> Int {
        parse(try await node.curl("/api/missions?status=completed&limit=1").body)["total"]?.intValue ?? -1
    }
}
