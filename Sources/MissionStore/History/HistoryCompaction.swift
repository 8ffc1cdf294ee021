import MissionModel
/// One pass of retention over a data directory's logs (CONTRACT §10), the same whether the
/// service runs (`--retain-days`, `--retain-missions`) or not (`mission compact`): work out
/// which missions have aged out, drop the oldest sealed segments that hold nothing else, let
/// go of those missions in memory, then drop the learning signals older than every mission
/// record kept.
public enum HistoryCompaction {
    public struct Report: Sendable, Equatable {
        public var plan: RetentionPlan
        /// Segments of the missions log dropped (deleted or archived) in this pass.
        public var droppedSegments = 0
        public var droppedSignalSegments = 0
        /// The first seq of the missions log after the pass.
        public var firstSeq = 1
        /// Sealed segments kept only because a mission is still open (or a schedule, or the
        /// queue's pause, holds them): `/health`'s `segments_kept_open`.
        public var keptOpen = 0
        /// Missions let go from memory.
        public var forgotten = 0
    }

    public static func run(_ store: MissionStore, signals: JSONLLog?, policy: RetentionPolicy, archive: String?, now: Timestamp = .now()) throws -> Report {
        guard let log = store.file else { throw LogError.readOnly(path: "a cluster store (retention there is not built yet)") }
        // Read first: a mission created while the facts are gathered comes after it, and
        // nothing from it on is dropped.
        let lastSeq = log.lastSeq
        let plan = RetentionPlan.make(store.board.retentionFacts(), policy: policy, lastSeq: lastSeq, now: now)
        var report = Report(plan: plan)
        report.droppedSegments = try log.dropSegments(before: plan.keepFrom, archive: policy.archive ? archive : nil)
        report.firstSeq = log.firstSeq
        report.forgotten = store.board.forget(before: report.firstSeq)
        report.keptOpen = keptOpen(log, plan)
        if let signals, report.firstSeq > 1, let oldest = try log.entries(after: report.firstSeq - 1, limit: 1).first,
           let kept = JSONLLog.timestamp(of: oldest.line) {
            report.droppedSignalSegments = try signals.dropSegments(endingBefore: kept, archive: policy.archive ? archive : nil)
        }
        return report
    }

    /// Sealed segments (never the newest, which always stays) that only open missions keep.
    static func keptOpen(_ log: JSONLLog, _ plan: RetentionPlan) -> Int {
        log.sealedSegments.dropLast().filter { $0.endSeq > plan.keepFrom && $0.endSeq <= plan.keepFromIfNothingWereOpen }.count
    }
}
