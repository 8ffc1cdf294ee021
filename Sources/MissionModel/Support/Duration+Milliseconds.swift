extension Duration {
    /// Whole milliseconds, rounded down: the unit of every duration the service logs or reports.
    public var milliseconds: Int {
        Int(components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000)
    }

    /// Whole nanoseconds, rounded down: the unit of the monotonic clocks that deadlines are
    /// kept in (`EventLoop`, `DispatchTime`).
    public var nanoseconds: Int {
        Int(components.seconds) * 1_000_000_000 + Int(components.attoseconds / 1_000_000_000)
    }
}
