import MissionModel
/// Exponential backoff with jitter between attempts (CONTRACT §1: from 0.5 s).
public struct RetryPolicy: Sendable, Equatable {
    public var baseDelay: Duration
    public var maxDelay: Duration

    public init(baseDelay: Duration = .milliseconds(500), maxDelay: Duration = .seconds(60)) {
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    /// Delay after failed attempt `attempt` (1-based): base·2^(attempt−1), capped, then
    /// "equal jitter": half fixed, half scaled by `jitter` ∈ [0, 1), so that missions failing
    /// together do not retry together, yet none retries sooner than half its backoff.
    public func delay(afterAttempt attempt: Int, jitter: Double) -> Duration {
        let exponent = min(max(attempt - 1, 0), 30)
        let full = min(baseDelay * (1 << exponent), maxDelay)
        return full / 2 + full / 2 * min(max(jitter, 0), 1)
    }
}
