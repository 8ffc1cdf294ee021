import MissionModel
@testable import MissionStore
import Foundation
import Testing

/// `data/examples` holds logs in the earlier Python service's format (no `seq`); they must fold.
@Suite struct ExampleDataTests {
    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("data/examples").path

    @Test func the_legacy_example_log_folds_into_whiteboards() async throws {
        let (store, _) = try Checkpoint.openStore(DataDirectory(path: Self.examples), mode: .readOnly, useCheckpoint: false)
        let done = try #require(store.whiteboard("5b0e7c7e-3f7a-4c43-9a55-1c2f6c8f0a01"))
        #expect(done.status == .completed)
        #expect(done.timeline.map(\.seq) == [1, 2, 4])
        #expect(done.durationMs == 4302)
        #expect(done.executionResult?.toolsUsed == ["web_search", "web_fetch"])
        #expect(done.source?.sessionID == "s-41")
        let failed = try #require(store.whiteboard("9d2f6a10-77e4-4b51-8d3e-2a9a1b0c5e02"))
        #expect(failed.status == .failed)
        #expect(failed.executionResult?.error == "timed out after 30 s")
        #expect(store.board.undecodable.isEmpty)
        #expect(try await store.log.entries(after: 5).first?.record()["seq"] == .int(6))
    }

    @Test func the_legacy_example_logs_verify_as_sound() throws {
        for (name, kind) in [("missions.jsonl", LogVerifier.Kind.missions), ("learning_signals.jsonl", .signals)] {
            let report = try LogVerifier.verify(path: Self.examples + "/" + name, kind: kind)
            #expect(report.isSound, "\(name): \(report.problems)")
        }
    }
}
