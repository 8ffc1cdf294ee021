import MissionModel
@testable import MissionStore
import MissionTestSupport
import Testing

@Suite struct WhiteboardReducerTests {
    /// Every (from, to) pair: legal ones move the status, illegal ones are recorded but change nothing.
    static let transitions: [(MissionStatus?, MissionStatus, Bool)] = {
        let legal: Set<String> = ["nil>queued", "nil>active", "nil>cancelled", "queued>active", "queued>cancelled",
                                  "active>completed", "active>failed", "active>cancelled", "active>queued"]
        var cases: [(MissionStatus?, MissionStatus, Bool)] = []
        for from in [nil] + MissionStatus.allCases.map(Optional.some) {
            for to in MissionStatus.allCases {
                cases.append((from, to, legal.contains("\(from?.rawValue ?? "nil")>\(to.rawValue)")))
            }
        }
        return cases
    }()

    @Test(arguments: transitions)
    func status_transitions_follow_the_legal_paths(from: MissionStatus?, to: MissionStatus, legal: Bool) {
        var board = Whiteboard(missionID: "m-1")
        WhiteboardReducer.reduce(into: &board, makeCreated())
        var seq = 2
        // Walk a legal path to `from`.
        let path: [MissionStatus] = switch from {
        case nil: []
        case .queued?: [.queued]
        case .active?: [.queued, .active]
        case .completed?: [.queued, .active, .completed]
        case .failed?: [.queued, .active, .failed]
        case .cancelled?: [.queued, .cancelled]
        }
        for status in path {
            WhiteboardReducer.reduce(into: &board, makeStatus(status, "step", seq: seq, attempt: 1))
            seq += 1
        }
        #expect(board.illegalTransitions == 0)
        #expect(MissionStatus.isLegal(from: from, to: to) == legal)
        let before = board.status
        WhiteboardReducer.reduce(into: &board, makeStatus(to, "probe", seq: seq, attempt: 2))
        #expect(board.status == (legal ? to : before))
        #expect(board.illegalTransitions == (legal ? 0 : 1))
        #expect(board.timeline.last?.label == to.rawValue)
        #expect(board.eventCount == path.count + 2)
    }

    /// CONTRACT §9: queued → queued only changes why it waits, and only for an operator's
    /// reasons; a pause or approval after the mission started changes nothing.
    @Test(arguments: [
        (MissionStatus.queued, "paused", true), (.queued, "resumed", true), (.queued, "approved", true),
        (.queued, "enqueued", false), (.queued, "retry_scheduled", false),
        (.active, "paused", false), (.active, "approved", false), (.active, "retry_scheduled", true), (.active, "lease_expired", true),
    ])
    func a_queued_update_is_legal_by_its_reason(from: MissionStatus, reason: String, legal: Bool) {
        #expect(MissionStatus.isLegal(from: from, to: .queued, reason: reason) == legal)
    }

    @Test func pause_resume_and_approval_fold_into_why_a_mission_waits() {
        var board = Whiteboard(missionID: "m-1")
        var created = MissionCreated(objective: Objective(type: "echo", description: "x"), constraints: Constraints(),
                                     source: MissionSource(channel: .api), runAt: at(50), requiresApproval: true, parentID: "m-0",
                                     after: ["m-a"])
        // The other missions' statuses, as the view would give them.
        var others: [String: MissionStatus] = ["m-a": .active]
        created.priority = 2
        WhiteboardReducer.reduce(into: &board, MissionEvent(seq: 1, timestamp: at(1), missionID: "m-1", body: .created(created)))
        WhiteboardReducer.reduce(into: &board, makeStatus(.queued, "enqueued", seq: 2, attempt: 0))
        #expect(board.runAt == at(50) && board.parentID == "m-0" && board.after == ["m-a"])
        #expect(board.waitingFor(now: at(60), status: { others[$0] }) == "approval")
        WhiteboardReducer.reduce(into: &board, makeStatus(.queued, "paused", seq: 3, attempt: 0))
        #expect(board.waitingFor(now: at(60), status: { others[$0] }) == "paused")
        WhiteboardReducer.reduce(into: &board, makeStatus(.queued, "approved", seq: 4, attempt: 0))
        #expect(board.waitingFor(now: at(60), status: { others[$0] }) == "paused")
        WhiteboardReducer.reduce(into: &board, makeStatus(.queued, "resumed", seq: 5, attempt: 0))
        #expect(board.waitingFor(now: at(60), status: { others[$0] }) == "dependencies")
        #expect(board.failedDependency(status: { others[$0] }) == nil)
        others["m-a"] = .cancelled
        #expect(board.failedDependency(status: { others[$0] }) == "m-a")
        others["m-a"] = .completed
        #expect(board.waitingFor(now: at(10), status: { others[$0] }) == "run_at")
        #expect(board.waitingFor(now: at(60), status: { others[$0] }) == nil)
        #expect(board.illegalTransitions == 0)
        WhiteboardReducer.reduce(into: &board, makeStatus(.active, "execution_started", seq: 6, attempt: 1))
        // Too late: it started.
        WhiteboardReducer.reduce(into: &board, makeStatus(.queued, "paused", seq: 7, attempt: 1))
        #expect(board.status == .active && !board.paused && board.illegalTransitions == 1)
        #expect(board.waitingFor(now: at(10), status: { others[$0] }) == nil)
    }

    @Test func a_full_run_folds_into_the_contract_shape() throws {
        let events = [
            makeCreated(),
            makeStatus(.queued, "enqueued", seq: 2, attempt: 0),
            makeStatus(.active, "execution_started", seq: 3, attempt: 1),
            MissionEvent(seq: 4, timestamp: at(4), missionID: "m-1", body: .progress(MissionProgress(phase: "fetch", message: "page 1", metadata: ["n": .int(1)]))),
            MissionEvent(seq: 5, timestamp: at(5), missionID: "m-1", body: .artifact(Artifact(kind: "url", uri: "http://x/"))),
            makeStatus(.completed, "execution_finished", seq: 7, attempt: 1,
                       result: ExecutionResult(success: true, finalAnswer: "hello", toolsUsed: ["echo"])),
        ]
        let board = WhiteboardReducer.fold(events + [makeCreated("m-2", seq: 6)], missionID: "m-1")
        let json = board.json
        #expect(json.members.map(\.key) == ["mission_id", "status", "objective", "constraints", "priority", "created_at", "start_time",
                                            "end_time", "duration_ms", "attempts", "progress", "artifacts", "execution_result",
                                            "last_seq", "event_count", "timeline",
                                            // CONTRACT §9's, after the contract's shape of §3.
                                            "run_at", "requires_approval", "parent_id", "after", "schedule_id", "concurrency_key", "waiting_for"])
        #expect(json["status"] == .string("completed"))
        #expect(json["created_at"] == .string("2026-11-21T10:00:01.000Z"))
        #expect(json["start_time"] == .string("2026-11-21T10:00:03.000Z"))
        #expect(json["end_time"] == .string("2026-11-21T10:00:07.000Z"))
        #expect(json["duration_ms"] == .int(4000))
        #expect(json["attempts"] == .int(1))
        #expect(json["progress"] == .object(["phase": .string("fetch"), "message": .string("page 1")]))
        #expect(json["artifacts"] == .array([.object(["kind": .string("url"), "uri": .string("http://x/")])]))
        #expect(json["execution_result"]?.objectValue?["final_answer"] == .string("hello"))
        #expect(json["last_seq"] == .int(7))
        #expect(json["event_count"] == .int(6))
        let timeline = json["timeline"]!.arrayValue!.map { $0.objectValue! }
        #expect(timeline.map { $0["seq"] } == [1, 2, 3, 4, 5, 7].map { .int($0) })
        #expect(timeline[1]["status"] == .string("queued"))
        #expect(timeline[1]["message"] == .string("enqueued"))
        #expect(timeline[3]["phase"] == .string("fetch"))
        #expect(timeline[4]["kind"] == .string("url"))
        #expect(timeline[0]["message"] == .string("hello"))
    }

    @Test func retries_count_attempts_and_keep_the_first_start_time() {
        let board = WhiteboardReducer.fold([
            makeCreated(),
            makeStatus(.active, "execution_started", seq: 2, attempt: 1),
            makeStatus(.queued, "retry_scheduled", seq: 3, attempt: 1),
            makeStatus(.active, "execution_started", seq: 4, attempt: 2),
            makeStatus(.failed, "timeout", seq: 5, attempt: 2, result: ExecutionResult(success: false, finalAnswer: "", toolsUsed: ["echo"], error: "too slow")),
        ], missionID: "m-1")
        #expect(board.attempts == 2)
        #expect(board.startTime == at(2))
        #expect(board.status == .failed)
        #expect(board.timeline.last?.message == "timeout: too slow")
    }

    @Test func legacy_python_records_without_seq_or_attempt_fold() throws {
        let lines = [
            #"{"event_type":"mission_created","mission_id":"abc","timestamp":"2026-02-07T12:00:00.000001","objective":{"type":"web","description":"Find docs"},"constraints":{"allowed_domains":["example.com"],"max_pages":3,"max_duration_seconds":30}}"#,
            #"{"event_type":"mission_status_update","mission_id":"abc","status":"active","reason":"execution_started","timestamp":"2026-02-07T12:00:01.000000"}"#,
            #"{"event_type":"mission_status_update","mission_id":"abc","status":"completed","reason":"execution_finished","completed_at":"2026-02-07T12:00:03.500000","execution_result":{"final_answer":"done","success":true,"tools_used":["web_search"]},"timestamp":"2026-02-07T12:00:03.500000"}"#,
        ]
        let events = try lines.enumerated().map { try MissionEvent(record: parse($0.element), seq: $0.offset + 1) }
        let board = WhiteboardReducer.fold(events, missionID: "abc")
        #expect(board.status == .completed)
        #expect(board.attempts == 1)
        #expect(board.constraints?.maxAttempts == 3)
        #expect(board.constraints?.allowedDomains == ["example.com"])
        #expect(board.durationMs == 2500)
        #expect(board.executionResult?.toolsUsed == ["web_search"])
        #expect(board.timeline.map(\.seq) == [1, 2, 3])
        #expect(board.illegalTransitions == 0)
    }

    @Test func unknown_event_types_count_and_show_in_the_timeline() throws {
        let event = try MissionEvent(record: parse(#"{"event_type":"mission_note","mission_id":"m-1","timestamp":"2026-11-21T10:00:00.000Z","message":"hi"}"#), seq: 2)
        let board = WhiteboardReducer.fold([makeCreated(), event], missionID: "m-1")
        #expect(board.eventCount == 2)
        #expect(board.timeline.last?.eventType == "mission_note")
        #expect(board.timeline.last?.message == "hi")
        #expect(board.status == .queued)
    }

    @Test(arguments: [
        #"{"event_type":"mission_status_update","timestamp":"2026-11-21T10:00:00.000Z","status":"active"}"#,
        #"{"event_type":"mission_status_update","mission_id":"m","timestamp":"2026-11-21T10:00:00.000Z","status":"exploded"}"#,
        #"{"event_type":"mission_status_update","mission_id":"m","timestamp":"noon","status":"active"}"#,
        #"{"event_type":"mission_created","mission_id":"m","timestamp":"2026-11-21T10:00:00.000Z"}"#,
        #"{"event_type":"mission_artifact","mission_id":"m","timestamp":"2026-11-21T10:00:00.000Z","kind":"url"}"#,
        #"{"event_type":"mission_created","mission_id":"m","timestamp":"2026-11-21T10:00:00.000Z","objective":{"type":"echo"},"constraints":{"max_pages":0}}"#,
    ])
    func invalid_records_are_rejected_with_a_reason(line: String) {
        #expect(throws: RecordError.self) { try MissionEvent(record: parse(line), seq: 1) }
    }

    @Test func records_round_trip_through_json() throws {
        let events = [
            makeCreated(description: "quote \" and\nnewline"),
            makeStatus(.failed, "execution_failed", seq: 2, attempt: 3, result: ExecutionResult(success: false, finalAnswer: "", toolsUsed: ["echo"], error: "boom")),
            MissionEvent(seq: 3, timestamp: at(3), missionID: "m-1", body: .progress(MissionProgress(phase: "p", message: "m", metadata: ["k": .array([.null])]))),
        ]
        for event in events {
            let text = JSONWriter.encode(event.record)
            #expect(try MissionEvent(record: JSONParser.parse(text).objectValue!, seq: event.seq) == event)
        }
    }

    /// Records are written straight from their fields; `record` builds the same members as a
    /// `JSONObject`. Both must give the very same bytes, optional fields present or not.
    @Test func records_written_from_their_fields_match_their_json_objects() {
        let full = MissionCreated(objective: Objective(type: "fetch", description: "tab\there \"q\" é"),
                                  constraints: Constraints(allowedDomains: ["example.com"], maxPages: 2, maxDurationSeconds: 1.5),
                                  priority: -3, source: MissionSource(channel: .chat, sessionID: "s-1", messageID: "msg-9"),
                                  idempotencyKey: "k", requestFingerprint: "f",
                                  intent: IntentSummary(name: "create_mission", confidence: 0.75, reason: "r"))
        let events = [
            makeCreated(description: "plain"),
            MissionEvent(seq: 1, timestamp: at(1), missionID: "m-2", body: .created(full)),
            makeStatus(.queued, "enqueued", seq: 2, attempt: 0),
            makeStatus(.failed, "execution_failed", seq: 3, attempt: 2, result: ExecutionResult(success: false, finalAnswer: "", toolsUsed: ["a", "b"], error: "boom\n")),
            MissionEvent(seq: 4, timestamp: at(4), missionID: "m-1", body: .status(StatusUpdate(status: .queued, reason: "retry_scheduled", attempt: 1, error: "e"))),
            MissionEvent(seq: 5, timestamp: at(5), missionID: "m-1", body: .progress(MissionProgress(phase: "p", message: "m", metadata: ["k": .array([.null, .int(1)])]))),
            MissionEvent(seq: 6, timestamp: at(6), missionID: "m-1", body: .artifact(Artifact(kind: "file", uri: "file:///x"))),
            MissionEvent(seq: 7, timestamp: at(7), missionID: "m-1", body: .other(eventType: "custom", message: nil)),
            MissionEvent(seq: 8, timestamp: at(8), missionID: "m-1", body: .other(eventType: "custom", message: "hi")),
        ]
        for event in events {
            #expect(String(decoding: JSONWriter.encode(members: event), as: UTF8.self) == JSONWriter.string(.object(event.record)))
        }
    }

    @Test func dedup_key_ignores_case_and_spacing_but_not_constraints() {
        let a = DedupKey.make(objective: Objective(type: "echo", description: "Hello   World"), constraints: Constraints())
        let b = DedupKey.make(objective: Objective(type: "ECHO", description: " hello world "), constraints: Constraints())
        let c = DedupKey.make(objective: Objective(type: "echo", description: "hello world"), constraints: Constraints(maxPages: 2))
        #expect(a == b)
        #expect(a != c)
        #expect(a.count == 32)
    }

    /// Keys are stored in the log and compared across restarts: the byte-wise path must give
    /// exactly the key of the string-wise definition it replaces.
    @Test(arguments: ["Hello   World", " hello world ", "\ttabs\tand\r\nlines\n", "", "   ", "ÄRGER  im Büro", "a\u{0B}b\u{0C}c", "MiXeD 123 !?"])
    func dedup_key_is_the_hash_of_the_joined_normalised_fields(description: String) {
        var bytes: [UInt8] = []
        DedupKey.appendNormalised(description, to: &bytes)
        #expect(bytes == Array(DedupKey.normalise(description).utf8))
        let constraints = Constraints(allowedDomains: ["B.example", "a.example"], maxPages: 3)
        let canonical = ["echo", DedupKey.normalise(description), "a.example,b.example", "3",
                         String(constraints.maxDurationSeconds), String(constraints.maxAttempts)].joined(separator: "\u{1F}")
        #expect(DedupKey.make(objective: Objective(type: "Echo", description: description), constraints: constraints)
                == DedupKey.hex(DedupKey.fnv1a128(canonical)))
    }
}
