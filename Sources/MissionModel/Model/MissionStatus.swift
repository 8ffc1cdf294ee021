/// The lifecycle of a mission (CONTRACT §2). Legal paths:
/// queued → active → completed | failed | cancelled; queued → cancelled; active → queued.
public enum MissionStatus: String, Sendable, Hashable, CaseIterable {
    case queued, active, completed, failed, cancelled

    public var isTerminal: Bool {
        switch self {
        case .completed, .failed, .cancelled: return true
        case .queued, .active: return false
        }
    }

    /// Whether a status update may move a mission from `current` to `next`. `current` is nil
    /// before the first status update, when the mission exists only as `mission_created`;
    /// the earlier Python service went straight from creation to `active`.
    public static func isLegal(from current: MissionStatus?, to next: MissionStatus) -> Bool {
        switch (current, next) {
        case (nil, .queued), (nil, .active), (nil, .cancelled): return true
        case (.queued?, .active), (.queued?, .cancelled): return true
        case (.active?, .completed), (.active?, .failed), (.active?, .cancelled), (.active?, .queued): return true
        default: return false
        }
    }
}
