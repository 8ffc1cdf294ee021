import MissionModel
/// A mission's live state: the fold of its events in seq order and nothing else (CONTRACT §3).
public struct Whiteboard: Sendable, Hashable {
    public struct TimelineEntry: Sendable, Hashable {
        /// Which key the label goes under in JSON: `status`, `phase` or `kind`, by event type.
        public enum LabelKind: UInt8, Sendable {
            case none, status, phase, kind

            public var key: String? {
                switch self {
                case .none: return nil
                case .status: return "status"
                case .phase: return "phase"
                case .kind: return "kind"
                }
            }
        }

        public var seq: Int
        public var timestamp: Timestamp
        public var eventType: String
        public var label: String
        public var message: String
        public var labelKind: LabelKind

        public init(seq: Int, timestamp: Timestamp, eventType: String, labelKind: LabelKind = .none, label: String = "", message: String) {
            self.seq = seq
            self.timestamp = timestamp
            self.eventType = eventType
            self.labelKind = labelKind
            self.label = label
            self.message = message
        }
    }

    public var missionID: String
    public var status: MissionStatus = .queued
    public var objective: Objective?
    public var constraints: Constraints?
    public var priority: Int = MissionCreated.defaultPriority
    public var createdAt: Timestamp?
    public var startTime: Timestamp?
    public var endTime: Timestamp?
    public var attempts = 0
    public var progress: MissionProgress?
    public var artifacts: [Artifact] = []
    public var executionResult: ExecutionResult?
    public var lastSeq = 0
    public var eventCount = 0
    public var timeline: [TimelineEntry] = []

    // Not in the contract's shape, but folded from the same events: the service needs them for
    // duplicate suppression, idempotency and sessions.
    public var source: MissionSource?
    public var dedupKey: String?
    public var idempotencyKey: String?
    public var updatedAt: Timestamp?
    // Mission control (CONTRACT §9), folded from `mission_created` and the operators' updates.
    // Most missions use none of it: the fields live in a box that plain missions do not have,
    // so that copying a whiteboard (as every read does) costs what it did before them.
    private var control: ControlBox?

    /// Not started before this time.
    public var runAt: Timestamp? {
        get { control?.fields.runAt }
        set { updateControl { $0.runAt = newValue } }
    }
    public var requiresApproval: Bool {
        get { control?.fields.requiresApproval ?? false }
        set { updateControl { $0.requiresApproval = newValue } }
    }
    /// An operator approved it (`queued`, reason `approved`).
    public var approved: Bool {
        get { control?.fields.approved ?? false }
        set { updateControl { $0.approved = newValue } }
    }
    /// An operator paused it and has not resumed it.
    public var paused: Bool {
        get { control?.fields.paused ?? false }
        set { updateControl { $0.paused = newValue } }
    }
    /// The mission this one reruns.
    public var parentID: String? {
        get { control?.fields.parentID }
        set { updateControl { $0.parentID = newValue } }
    }
    /// Missions that must complete before this one starts.
    public var after: [String] {
        get { control?.fields.after ?? [] }
        set { updateControl { $0.after = newValue } }
    }
    /// The schedule that created it.
    public var scheduleID: String? {
        get { control?.fields.scheduleID }
        set { updateControl { $0.scheduleID = newValue } }
    }
    /// Its group for `--max-per-key` and fair share.
    public var concurrencyKey: String? {
        get { control?.fields.concurrencyKey }
        set { updateControl { $0.concurrencyKey = newValue } }
    }
    /// Told when it ends.
    public var callbackURL: String? {
        get { control?.fields.callbackURL }
        set { updateControl { $0.callbackURL = newValue } }
    }

    /// The mission-control fields `created` gives, in one step (none for a plain mission).
    mutating func adoptControl(of created: MissionCreated) {
        let fields = ControlFields(runAt: created.runAt, requiresApproval: created.requiresApproval, parentID: created.parentID,
                                   after: created.after, scheduleID: created.scheduleID, concurrencyKey: created.concurrencyKey,
                                   callbackURL: created.callbackURL)
        control = fields == ControlFields() ? nil : ControlBox(fields)
    }

    /// Changes the mission-control fields: the box is made on the first value that is not the
    /// default, and copied before a change when another whiteboard shares it.
    private mutating func updateControl(_ change: (inout ControlFields) -> Void) {
        var fields = control?.fields ?? ControlFields()
        change(&fields)
        if fields == ControlFields() {
            control = nil
        } else if control != nil, isKnownUniquelyReferenced(&control!) {
            control!.fields = fields
        } else {
            control = ControlBox(fields)
        }
    }
    /// Whether any status update has been folded (creation alone is an implicit `queued`).
    public var hasStatusUpdate = false
    /// Status updates that broke the legal paths; `mission verify` reports them.
    public var illegalTransitions = 0

    public init(missionID: String) {
        self.missionID = missionID
    }

    public var durationMs: Int64? {
        guard let startTime, let endTime else { return nil }
        return endTime.milliseconds(since: startTime)
    }

    public var isCreated: Bool { objective != nil }

    /// The seq of its `mission_created` record: its place in the order of creation.
    public var createdSeq: Int? {
        timeline.first { $0.eventType == "mission_created" }?.seq
    }

    /// Whether `next` (for `reason`) would be a legal status change from here.
    public func canMove(to next: MissionStatus, reason: String = "") -> Bool {
        MissionStatus.isLegal(from: hasStatusUpdate ? status : nil, to: next, reason: reason)
    }

    /// Why this queued mission may not start yet by its records and those of the missions it
    /// comes `after` (CONTRACT §9, in the contract's order of precedence), or nil; `status`
    /// gives another mission's status. What the whole queue holds (`queue_paused`) is for the
    /// runtime to add.
    public func waitingFor(now: Timestamp, status: (String) -> MissionStatus?) -> String? {
        guard self.status == .queued, isCreated else { return nil }
        if paused { return "paused" }
        if requiresApproval && !approved { return "approval" }
        if after.contains(where: { status($0) != .completed }) { return "dependencies" }
        if let runAt, runAt > now { return "run_at" }
        return nil
    }

    /// The first mission it comes `after` that ended without completing, if any: then this one
    /// can never start (CONTRACT §9: it is cancelled, reason `dependency_failed`).
    public func failedDependency(status: (String) -> MissionStatus?) -> String? {
        after.first { status($0).map { $0.isTerminal && $0 != .completed } ?? false }
    }
}

/// A whiteboard's mission-control fields (CONTRACT §9).
struct ControlFields: Sendable, Hashable {
    var runAt: Timestamp?
    var requiresApproval = false
    var approved = false
    var paused = false
    var parentID: String?
    var after: [String] = []
    var scheduleID: String?
    var concurrencyKey: String?
    var callbackURL: String?
}

/// `ControlFields` behind a reference; compared and hashed by value.
final class ControlBox: @unchecked Sendable, Hashable {
    // `@unchecked`: changed only through `Whiteboard.updateControl`, when uniquely referenced.
    var fields: ControlFields

    init(_ fields: ControlFields) {
        self.fields = fields
    }

    static func == (a: ControlBox, b: ControlBox) -> Bool { a.fields == b.fields }
    func hash(into hasher: inout Hasher) { hasher.combine(fields) }
}
