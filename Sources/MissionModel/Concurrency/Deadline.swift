/// Waits for `operation` until `deadline`, whichever comes first; the loser is cancelled.
/// Nil when the deadline came first (or the operation gave nil). The one way a wait is
/// bounded here: a child task sleeps while another works, and the first to finish decides.
/// The operation must end when cancelled, since the group waits for both.
public func withDeadline<T: Sendable>(_ deadline: ContinuousClock.Instant,
                                      _ operation: @escaping @Sendable () async -> T?) async -> T? {
    await withTaskGroup(of: T?.self) { group in
        group.addTask { await operation() }
        group.addTask {
            try? await Task.sleep(until: deadline, clock: .continuous)
            return nil
        }
        let first = await group.next() ?? nil
        group.cancelAll()
        return first
    }
}

/// `withDeadline` for a wait of `limit` from now.
public func withTimeout<T: Sendable>(_ limit: Duration, _ operation: @escaping @Sendable () async -> T?) async -> T? {
    await withDeadline(.now + limit, operation)
}

/// `withTimeout` for an operation that throws: its error passes through; running out of time
/// throws `expired()`.
public func withTimeout<T: Sendable>(_ limit: Duration, orThrow expired: @escaping @Sendable () -> any Error,
                                     _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: limit)
            return nil
        }
        defer { group.cancelAll() }
        guard let answer = try await group.next() ?? nil else { throw expired() }
        return answer
    }
}
