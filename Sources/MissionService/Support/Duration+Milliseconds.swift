extension Duration {
    /// Whole milliseconds, rounded down: the unit of every duration the service logs or reports.
    public var milliseconds: Int {
        Int(components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000)
    }
}
