import Foundation
import MissionModel
@testable import MissionStore
import MissionTestSupport
import Testing

/// `mission compact` as users run it (CONTRACT §10): a child process on a stopped data
/// directory, and one killed with SIGKILL in the middle of it.
@Suite struct CompactCommandTests {
    /// A data directory of `ended` ended missions with `open` open ones created among them (at
    /// three quarters of the way), in segments of about a kilobyte.
    static func history(ended: Int, open: Int) async throws -> (dir: TemporaryDirectory, open: [String: Whiteboard], lines: [String]) {
        let dir = TemporaryDirectory()
        var limits = JSONLLog.Limits()
        limits.segmentBytes = 1024
        let store = try MissionStore(path: dir.file("missions.jsonl"), limits: limits)
        var openIDs: [String] = []
        for n in 0..<ended {
            if n == ended * 3 / 4 {
                for o in 0..<open {
                    _ = try await store.append([makeCreated("m-open-\(o)", description: "still open \(o)")])
                    openIDs.append("m-open-\(o)")
                }
            }
            _ = try await store.append([makeCreated("m-\(n)", description: "ended \(n)"),
                                        makeStatus(.cancelled, "cancelled_by_user", seq: n, id: "m-\(n)")])
        }
        let boards = Dictionary(uniqueKeysWithValues: openIDs.map { ($0, store.whiteboard($0)!) })
        let lines = try store.file!.entries(after: 0, limit: 1_000_000).map(\.text)
        await store.close()
        return (dir, boards, lines)
    }

    @Test func compact_drops_aged_out_segments_keeps_open_missions_and_explains_itself() async throws {
        let (dir, open, lines) = try await Self.history(ended: 200, open: 2)
        #expect(try await ChildProcess.run(["compact", "--data", dir.path]).status == 2)
        let run = try await ChildProcess.run(["compact", "--retain-missions", "10", "--archive", "--data", dir.path, "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let report = try #require(try JSONParser.parse(run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)).objectValue)
        #expect(report["aged_out"] == .int(190))
        let first = try #require(report["first_seq"]?.intValue)
        #expect(first > 1)
        #expect(report["dropped_segments"]?.intValue ?? 0 > 0)
        let archived = try FileManager.default.contentsOfDirectory(atPath: dir.file("archive"))
        #expect(archived.count == report["dropped_segments"]?.intValue)
        // The open missions hold the line: their records and everything after them stay.
        let store = try MissionStore(path: dir.file("missions.jsonl"), mode: .readOnly)
        for (id, board) in open { #expect(store.whiteboard(id) == board) }
        let kept = try store.file!.entries(after: 0, limit: 1_000_000)
        #expect(kept.first?.seq == first)
        #expect(kept.map(\.text) == Array(lines.suffix(kept.count)))
        let verify = try await ChildProcess.run(["verify", "--data", dir.path])
        #expect(verify.status == 0, "\(verify.stdout)")
        #expect(verify.stdout.contains("seq \(first) on"), "\(verify.stdout)")
        // The open missions keep older segments than the policy alone would: said, not hidden.
        let text = try await ChildProcess.run(["compact", "--retain-missions", "10", "--data", dir.path])
        #expect(text.stdout.contains("stay for missions still open"), "\(text.stdout)")
    }

    @Test func sigkill_in_the_middle_of_a_compaction_loses_no_kept_record_and_leaves_no_hole() async throws {
        let (dir, open, lines) = try await Self.history(ended: 600, open: 3)
        var partial = 0
        for _ in 0..<3 {
            let watcher = try FileWatcher(path: dir.file("missions.jsonl"), inDirectory: true)
            let compact = try ChildProcess(["compact", "--retain-missions", "0", "--data", dir.path])
            // Killed as soon as the first segment goes (or the hang bound passes: never for ever).
            _ = await withTimeout(hangLimit) { () async -> Bool? in
                for await _ in watcher.changes { return true }
                return nil
            }
            compact.signal(SIGKILL)
            _ = await compact.wait()
            watcher.stop()
            let store = try MissionStore(path: dir.file("missions.jsonl"), mode: .readOnly)
            for (id, board) in open { #expect(store.whiteboard(id) == board, "\(id)") }
            let kept = try store.file!.entries(after: 0, limit: 1_000_000)
            #expect(kept.map(\.seq) == Array(store.log.firstSeq...lines.count))
            #expect(kept.map(\.text) == Array(lines.suffix(kept.count)))
            if store.log.firstSeq > 1 && store.file!.sealedSegments.count > 1 { partial += 1 }
        }
        let finish = try await ChildProcess.run(["compact", "--retain-missions", "0", "--data", dir.path])
        #expect(finish.status == 0, "\(finish.stderr)")
        let store = try MissionStore(path: dir.file("missions.jsonl"), mode: .readOnly)
        for (id, board) in open { #expect(store.whiteboard(id) == board) }
        #expect(try await ChildProcess.run(["verify", "--data", dir.path]).status == 0)
        print("compaction killed part-way in \(partial) of 3 rounds")
    }

    @Test func compact_refuses_a_directory_in_use_and_cluster_mode_refuses_the_retention_flags() async throws {
        let (dir, _, lines) = try await Self.history(ended: 40, open: 0)
        let node = try await ServeNode(nil, data: dir)
        let busy = try await ChildProcess.run(["compact", "--retain-missions", "0", "--data", dir.path])
        #expect(busy.status == 1)
        #expect(busy.stderr.contains("in use by another process"), "\(busy.stderr)")
        #expect(await node.stop() == 0)
        // Nothing was dropped by the refused run.
        let store = try MissionStore(path: dir.file("missions.jsonl"), mode: .readOnly)
        #expect(store.log.firstSeq == 1)
        #expect(try store.file!.entries(after: 0, limit: 10_000).prefix(lines.count).map(\.text) == lines)
        // A cluster store keeps every record for now: the flags are refused, not ignored.
        let cluster = try await ChildProcess.run(["serve", "--store", "postgres://127.0.0.1:1/none", "--retain-days", "7", "--port", "0"])
        #expect(cluster.status == 1)
        #expect(cluster.stderr.contains("embedded store only"), "\(cluster.stderr)")
    }
}
