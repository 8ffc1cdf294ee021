import MissionModel
import MissionStore
/// The front door: a chat message (or an API mission request) becomes a mission or an
/// answer, and the envelope comes back as soon as the records are durable. It never waits
/// for execution.
///
/// An actor, so that `Idempotency-Key`s are claimed without a race: a repeat that arrives
/// while the first is in flight waits for its answer instead of acting twice. Only keyed
/// requests enter its isolation; the rest need none (they read shared state that has its own
/// locks) and so never wait on each other here.
public actor ChatOrchestrator {
    public struct Configuration: Sendable {
        /// The server's double-texting policy; a message may override it.
        public var policy: DoubleTextingPolicy = .enqueue
        /// Answers kept in memory for repeats of keys that created no mission.
        public var rememberedAnswers = 100_000
        public var now: @Sendable () -> Timestamp = { .now() }

        public init() {}
    }

    /// Longest message text copied into an `intent_classified` signal.
    public static let maxSignalMessageCharacters = 2_000
    static let apiIntent = IntentSummary(name: "create_mission", confidence: 1, reason: "an explicit mission request (POST /api/missions)")

    public let runtime: MissionRuntime
    let configuration: Configuration
    private var inFlight: [String: [CheckedContinuation<Void, Never>]] = [:]
    private var answers: RememberedAnswers

    public init(runtime: MissionRuntime, configuration: Configuration = Configuration()) {
        self.runtime = runtime
        self.configuration = configuration
        answers = RememberedAnswers(limit: configuration.rememberedAnswers)
    }

    /// Classifies and acts on a chat message.
    public nonisolated func handle(_ request: ChatRequest) async throws -> ChatEnvelope {
        guard let key = request.idempotencyKey else { return try await answer(request) }
        return try await idempotent(key: key, fingerprint: request.fingerprint) {
            try await self.answer(request)
        }
    }

    /// Creates a mission from an explicit request (the API's `POST /api/missions`).
    public nonisolated func submit(_ request: MissionRequest, idempotencyKey: String? = nil, sessionID: String? = nil) async throws -> ChatEnvelope {
        guard let idempotencyKey else { return try await create(request, idempotencyKey: nil, fingerprint: nil, sessionID: sessionID) }
        var fields = ["api", request.objective.type, request.objective.description,
                      JSONWriter.string(.object(request.constraints.json)), String(request.priority)]
        // Only when used, so that fingerprints recorded before mission control still match.
        if let timing = request.timing { fields.append(timing) }
        if request.requiresApproval { fields.append("requires_approval") }
        if !request.after.isEmpty { fields.append("after=" + request.after.joined(separator: ",")) }
        let fingerprint = DedupKey.fingerprint(fields)
        return try await idempotent(key: idempotencyKey, fingerprint: fingerprint) {
            try await self.create(request, idempotencyKey: idempotencyKey, fingerprint: fingerprint, sessionID: sessionID)
        }
    }

    private nonisolated func create(_ request: MissionRequest, idempotencyKey: String?, fingerprint: String?, sessionID: String?) async throws -> ChatEnvelope {
        var request = request
        let session = sessionID ?? MissionID.random(prefix: "s-")
        request.source = MissionSource(channel: .api, sessionID: session)
        request.idempotencyKey = idempotencyKey
        request.requestFingerprint = fingerprint
        request.intent = Self.apiIntent
        do {
            return envelope(for: try await runtime.submit(request, now: configuration.now()), intent: Self.apiIntent, sessionID: session)
        } catch let error as SubmissionError {
            throw ChatError.invalid(error.description)
        }
    }

    /// A session's missions, oldest first.
    public nonisolated func missions(inSession sessionID: String) -> [Whiteboard] {
        runtime.store.board.missions(inSession: sessionID)
    }

    // MARK: Idempotency

    /// Runs `body` once per key: a repeat gets the first answer (in flight, remembered, or
    /// rebuilt from the log after a restart); a repeat with a different body is refused.
    private func idempotent(key: String, fingerprint: String, _ body: () async throws -> ChatEnvelope) async throws -> ChatEnvelope {
        while inFlight[key] != nil {
            await withCheckedContinuation { inFlight[key, default: []].append($0) }
        }
        if let previous = try answered(key, fingerprint: fingerprint) { return previous }
        inFlight[key] = []
        defer { inFlight.removeValue(forKey: key)?.forEach { $0.resume() } }
        let envelope: ChatEnvelope
        do {
            envelope = try await body()
        } catch let held as IdempotencyKeyHeld {
            // Cluster mode: another node created the mission under this key first, and this
            // node's view has it now: the request is a repeat of that one.
            guard let previous = try answered(key, fingerprint: fingerprint) else { throw held }
            return previous
        }
        answers.remember(key, fingerprint: fingerprint, envelope: envelope)
        return envelope
    }

    private func answered(_ key: String, fingerprint: String) throws(ChatError) -> ChatEnvelope? {
        if let (first, envelope) = answers.answer(for: key) {
            guard first == fingerprint else { throw .idempotencyKeyReused(key) }
            return envelope
        }
        // After a restart: the mission created under this key is in the log.
        guard let entry = runtime.store.board.idempotencyEntry(key), let board = runtime.store.whiteboard(entry.missionID) else { return nil }
        guard entry.requestFingerprint == nil || entry.requestFingerprint == fingerprint else { throw .idempotencyKeyReused(key) }
        let envelope = Self.started(board, intent: entry.intent ?? Self.apiIntent, sessionID: board.source?.sessionID ?? "")
        answers.remember(key, fingerprint: fingerprint, envelope: envelope)
        return envelope
    }

    // MARK: Acting

    private nonisolated func answer(_ request: ChatRequest) async throws -> ChatEnvelope {
        let sessionID = request.sessionID ?? MissionID.random(prefix: "s-")
        let messageID = request.messageID ?? MissionID.random(prefix: "c-")
        let intent = IntentClassifier.classify(request.message)
        try recordClassification(request, intent, sessionID: sessionID, messageID: messageID)
        let summary = intent.summary
        switch intent.action {
        case .createMission(let objective, let constraints):
            return try await start(objective, constraints, request, intent: summary, sessionID: sessionID, messageID: messageID)
        case .status(let id):
            return status(id, intent: summary, sessionID: sessionID)
        case .cancel(let id):
            return try await cancel(id, intent: summary, sessionID: sessionID)
        case .list(let filter):
            return list(filter, intent: summary, sessionID: sessionID)
        case .reply(let text):
            return ChatEnvelope(type: .reply, sessionID: sessionID, intent: summary, message: text)
        }
    }

    private nonisolated func start(_ objective: Objective, _ constraints: Constraints, _ request: ChatRequest, intent: IntentSummary,
                       sessionID: String, messageID: String) async throws -> ChatEnvelope {
        if let previous = runtime.store.board.missions(inSession: sessionID).last(where: { !$0.status.isTerminal }) {
            switch request.policy ?? configuration.policy {
            case .enqueue:
                break
            case .reject:
                return ChatEnvelope(type: .reply, sessionID: sessionID, intent: intent,
                                    message: "Mission \(previous.missionID) of this session is still \(previous.status.rawValue), so nothing new was started (double-texting policy: reject). Wait for it, cancel it, or resend with policy interrupt.",
                                    missionID: previous.missionID, status: previous.status)
            case .interrupt:
                _ = try await runtime.executor.cancel(previous.missionID)
            }
        }
        let mission = MissionRequest(objective: objective, constraints: constraints,
                                     source: MissionSource(channel: request.channel, sessionID: sessionID, messageID: messageID),
                                     idempotencyKey: request.idempotencyKey,
                                     requestFingerprint: request.idempotencyKey == nil ? nil : request.fingerprint, intent: intent)
        do {
            return envelope(for: try await runtime.submit(mission, now: configuration.now()), intent: intent, sessionID: sessionID)
        } catch let error as SubmissionError {
            // Understood, but this server cannot run it (e.g. no such tool): say so, create nothing.
            return ChatEnvelope(type: .reply, sessionID: sessionID, intent: intent,
                                message: "I understood a \(objective.type) mission, but it cannot start here: \(error.description).")
        }
    }

    private nonisolated func envelope(for submission: Submission, intent: IntentSummary, sessionID: String) -> ChatEnvelope {
        switch submission {
        case .created(let board):
            return Self.started(board, intent: intent, sessionID: sessionID)
        case .deduplicated(let board):
            return ChatEnvelope(type: .missionDeduplicated, sessionID: sessionID, intent: intent,
                                message: "An identical mission, \(board.missionID), is already \(board.status.rawValue); nothing new was created. Follow it at /api/whiteboard/\(board.missionID).",
                                missionID: board.missionID, status: board.status)
        }
    }

    /// The `mission_started` envelope of a mission as created; rebuilt from the log it is the
    /// same, which is what a repeated `Idempotency-Key` gets after a restart.
    static func started(_ board: Whiteboard, intent: IntentSummary, sessionID: String) -> ChatEnvelope {
        let objective = board.objective ?? Objective(type: "?", description: "")
        return ChatEnvelope(type: .missionStarted, sessionID: sessionID, intent: intent,
                            message: "Started \(objective.type) mission \(board.missionID): \(objective.description.oneLine(limit: 120)). Follow it at /api/whiteboard/\(board.missionID).",
                            missionID: board.missionID, status: .queued)
    }

    private nonisolated func recordClassification(_ request: ChatRequest, _ intent: Intent, sessionID: String, messageID: String) throws {
        let clipped = request.message.count > Self.maxSignalMessageCharacters
        var fields: JSONObject = [
            "message": .string(clipped ? String(request.message.prefix(Self.maxSignalMessageCharacters)) : request.message),
            "intent": .string(intent.name.rawValue),
            "confidence": .double(intent.confidence),
            "reason": .string(intent.reason),
            "session_id": .string(sessionID),
            "message_id": .string(messageID),
            "channel": .string(request.channel.rawValue),
        ]
        if clipped { fields["message_bytes"] = .int(request.message.utf8.count) }
        try runtime.signals.emit(.intentClassified, missionID: nil, at: configuration.now(), fields)
    }
}
