/// The lifecycle of a mission (CONTRACT §2). Legal paths:
/// queued → active → completed | failed | cancelled; queued → cancelled; active → queued;
/// queued → queued when only the reason it waits changes (`waitReasons`, CONTRACT §9).
public enum MissionStatus: String, Sendable, Hashable, CaseIterable {
    case queued, active, completed, failed, cancelled

    /// The reasons of a `queued` → `queued` update: an operator paused, resumed or approved it.
    public static let waitReasons: Set<String> = ["paused", "resumed", "approved"]

    public var isTerminal: Bool {
        switch self {
        case .completed, .failed, .cancelled: return true
        case .queued, .active: return false
        }
    }

    /// Whether a status update may move a mission from `current` to `next`. `current` is nil
    /// before the first status update, when the mission exists only as `mission_created`;
    /// the earlier Python service went straight from creation to `active`.
    public static func isLegal(from current: MissionStatus?, to next: MissionStatus, reason: String = "") -> Bool {
        switch (current, next) {
        case (.queued?, .queued): return waitReasons.contains(reason)
        case (nil, .queued), (nil, .active), (nil, .cancelled): return true
        case (.queued?, .active), (.queued?, .cancelled): return true
        case (.active?, .completed), (.active?, .failed), (.active?, .cancelled): return true
        // Back to the queue for a retry or a recovery; an operator's pause or approval applies
        // to a queued mission only (one that started in between is not paused by it).
        case (.active?, .queued): return !waitReasons.contains(reason)
        default: return false
        }
    }
}
