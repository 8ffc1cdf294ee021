import MissionModel
/// How far the missions log may be dropped under a policy (CONTRACT §10): every record before
/// `keepFrom` belongs to a mission that has aged out. What holds the line there: the oldest
/// record of a mission still open or still retained, of a live schedule, or of the queue's
/// pause in force. A mission that an open one comes `after` stays, so the open one can still
/// learn how it ended.
public struct RetentionPlan: Sendable, Equatable {
    /// Records with a smaller seq may go (in whole sealed segments).
    public var keepFrom: Int
    /// Where the line would be if nothing were open: the segments between this and `keepFrom`
    /// are kept only for open missions, schedules or a pause (`/health` counts them).
    public var keepFromIfNothingWereOpen: Int
    /// Ended missions the policy lets go.
    public var agedOut: Int
    /// Ended missions still kept.
    public var retained: Int

    /// What the board says about each mission, taken under its lock in one pass.
    public struct Facts: Sendable {
        /// Every ended mission: when it ended and the seq of its first record.
        public var ended: [(endedAt: Int64, firstSeq: Int, id: String)] = []
        /// The first record of the oldest open mission (and of any schedule or pause in force).
        public var openFirstSeq: Int = .max
        /// Ended missions that an open mission comes `after`.
        public var neededByOpen: Set<String> = []

        public init() {}
    }

    public static func make(_ facts: Facts, policy: RetentionPolicy, lastSeq: Int, now: Timestamp) -> RetentionPlan {
        let horizon = policy.days.map { now.millisecondsSinceEpoch - Int64($0) * 86_400_000 }
        let newestFirst = facts.ended.sorted { ($0.endedAt, $0.firstSeq) > ($1.endedAt, $1.firstSeq) }
        var keepFrom = lastSeq + 1
        var agedOut = 0
        for (rank, mission) in newestFirst.enumerated() {
            let tooOld = horizon.map { mission.endedAt < $0 } ?? false
            let beyondCount = policy.missions.map { rank >= $0 } ?? false
            if policy.isEnabled, tooOld || beyondCount, !facts.neededByOpen.contains(mission.id) {
                agedOut += 1
            } else {
                keepFrom = min(keepFrom, mission.firstSeq)
            }
        }
        return RetentionPlan(keepFrom: min(keepFrom, facts.openFirstSeq), keepFromIfNothingWereOpen: keepFrom,
                             agedOut: agedOut, retained: facts.ended.count - agedOut)
    }
}
