import MissionModel
/// Which ended missions age out of the log (CONTRACT §10): those that ended more than `days`
/// days ago, and all but the `missions` most recently ended; with both, a mission ages out
/// when either says so. Off (nil, nil) by default: every record is kept.
public struct RetentionPolicy: Sendable, Equatable {
    public var days: Int?
    public var missions: Int?
    /// Move dropped segments into `archive/` instead of deleting them.
    public var archive = false

    public init(days: Int? = nil, missions: Int? = nil, archive: Bool = false) {
        self.days = days
        self.missions = missions
        self.archive = archive
    }

    public var isEnabled: Bool { days != nil || missions != nil }

    /// The most days or missions a flag takes.
    public static let maxDays = 36_500
    public static let maxMissions = 1_000_000_000
}
