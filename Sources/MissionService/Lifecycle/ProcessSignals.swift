import Dispatch
@preconcurrency import Glibc

/// Delivers SIGINT / SIGTERM as an `AsyncStream` instead of killing the process, so that the
/// owner can shut down gracefully. The default handlers are restored when the stream ends.
public enum ProcessSignals {
    public static func stream(_ signals: [Int32] = [SIGINT, SIGTERM]) -> AsyncStream<Int32> {
        AsyncStream { continuation in
            let queue = DispatchQueue(label: "process-signals")
            let sources = signals.map { number in
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
                source.setEventHandler { continuation.yield(number) }
                source.resume()
                return source
            }
            let box = SourceBox(sources)
            continuation.onTermination = { _ in
                box.cancel()
                for number in signals { signal(number, SIG_DFL) }
            }
        }
    }

    /// Holds the dispatch sources for the stream's lifetime.
    private final class SourceBox: Sendable {
        // DispatchSource is thread-safe to cancel; the array itself is never mutated.
        nonisolated(unsafe) let sources: [any DispatchSourceSignal]
        init(_ sources: [any DispatchSourceSignal]) { self.sources = sources }
        func cancel() { sources.forEach { $0.cancel() } }
    }

    public static func name(_ number: Int32) -> String {
        switch number {
        case SIGINT: return "SIGINT"
        case SIGTERM: return "SIGTERM"
        default: return "signal \(number)"
        }
    }
}
