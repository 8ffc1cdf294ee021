import Testing
@testable import MissionService

@Suite struct CancellationSignalTests {
    @Test func the_first_of_fire_and_release_decides() async {
        let fired = CancellationSignal()
        fired.fire(.user)
        #expect(fired.release() == .user)
        fired.fire(.timeout)
        #expect(await fired.wait() == .user)

        let released = CancellationSignal()
        #expect(released.release() == nil)
        released.fire(.user)
        #expect(await released.wait() == nil)
        #expect(released.reason == nil)
    }

    @Test func a_waiter_is_woken_by_either() async {
        for stopped in [true, false] {
            let signal = CancellationSignal()
            async let waited = signal.wait()
            // The waiter must be suspended before the wake: the other order is the test above.
            while signal.waiting == 0 { await Task.yield() }
            if stopped { signal.fire(.timeout) } else { signal.release() }
            #expect(await waited == (stopped ? .timeout : nil))
        }
    }
}
