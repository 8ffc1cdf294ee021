import MissionModel
import MissionTestSupport
import Testing
@testable import MissionService

@Suite struct AttemptDeadlinesTests {
    /// Runs `deadlines`' watcher while `body` runs; returns the stream of fired labels.
    func watching(_ body: (AttemptDeadlines, AsyncStream<String>.Continuation, inout AsyncStream<String>.Iterator) async throws -> Void) async rethrows {
        let deadlines = AttemptDeadlines()
        let (fired, firing) = AsyncStream.makeStream(of: String.self)
        var iterator = fired.makeAsyncIterator()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await deadlines.run() }
            try await body(deadlines, firing, &iterator)
            group.cancelAll()
        }
    }

    @Test func an_earlier_deadline_added_later_wakes_the_watcher() async {
        await watching { deadlines, firing, fired in
            _ = deadlines.add(.now + .seconds(3600)) { firing.yield("later") }
            // Let the watcher go to sleep toward the later one first. Were it not woken, nothing
            // would fire for an hour (a machine slowed down by a sanitizer must not make the
            // later one due meanwhile, as 20 s once did).
            await Task.yield()
            _ = deadlines.add(.now + .milliseconds(20)) { firing.yield("soon") }
            let bound = Task {
                try await Task.sleep(for: hangLimit)
                firing.yield("nothing woke the watcher")
            }
            #expect(await fired.next() == "soon")
            bound.cancel()
            #expect(deadlines.counts.live == 1)
        }
    }

    @Test func deadlines_fire_in_order_and_removed_ones_never() async {
        await watching { deadlines, firing, fired in
            let removed = deadlines.add(.now + .milliseconds(10)) { firing.yield("removed") }
            _ = deadlines.add(.now + .milliseconds(60)) { firing.yield("second") }
            _ = deadlines.add(.now + .milliseconds(30)) { firing.yield("first") }
            deadlines.remove(removed)
            #expect(await fired.next() == "first")
            #expect(await fired.next() == "second")
            #expect(deadlines.counts.live == 0)
        }
    }

    @Test func removed_registrations_do_not_pile_up() {
        let deadlines = AttemptDeadlines()
        for _ in 0..<10_000 {
            let id = deadlines.add(.now + .seconds(30)) {}
            deadlines.remove(id)
        }
        #expect(deadlines.counts.live == 0)
        #expect(deadlines.counts.held <= 64)
    }
}
