/// The rows of one statement's result, as text (libpq's text format), NULL as nil.
public struct PostgresResult: Sendable, Equatable {
    public var rows: [[String?]]

    public init(rows: [[String?]] = []) {
        self.rows = rows
    }

    /// The first column of the first row, if any.
    public var scalar: String? { rows.first?.first ?? nil }
}
