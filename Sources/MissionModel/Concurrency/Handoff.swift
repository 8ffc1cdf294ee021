import Dispatch

/// One value passed from a thread of ours to a caller that blocks for it: for the rare
/// synchronous API whose work must happen on a particular thread (a child spawned on its pump
/// thread). Not for tasks: they await a continuation instead.
package final class Handoff<Value: Sendable>: Sendable {
    private let value = Locked<Value?>(nil)
    private let ready = DispatchSemaphore(value: 0)

    package init() {}

    package func put(_ newValue: Value) {
        value.withLock { $0 = newValue }
        ready.signal()
    }

    package func take() -> Value {
        ready.wait()
        return value.withLock { $0! }
    }
}
