import MissionModel
extension MissionAPI {
    func chat(_ request: HTTPRequest) async throws -> HTTPResponse {
        let body = try Self.jsonObject(request)
        let message = try body.requiredString("message")
        let policy = try body.optionalString("policy").map { name in
            guard let policy = DoubleTextingPolicy(rawValue: name) else {
                throw APIError.invalid("policy '\(name)' is not one of \(DoubleTextingPolicy.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return policy
        }
        let chat = ChatRequest(message: message, sessionID: try Self.sessionID(body), idempotencyKey: try Self.idempotencyKey(request),
                               policy: policy, channel: .chat)
        return Self.envelope(try await orchestrator.handle(chat))
    }

    func createMission(_ request: HTTPRequest) async throws -> HTTPResponse {
        let body = try Self.jsonObject(request)
        let mission = try MissionRequest(body: body, now: .now(), source: MissionSource(channel: .api))
        return Self.envelope(try await orchestrator.submit(mission, idempotencyKey: try Self.idempotencyKey(request), sessionID: try Self.sessionID(body)))
    }

    func listMissions(_ request: HTTPRequest) throws -> HTTPResponse {
        let query = request.query
        let status = try query["status"].map { name in
            guard let status = MissionStatus(rawValue: name) else {
                throw APIError.invalid("status '\(name.prefix(40))' is not one of \(MissionStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return status
        }
        let limit = try Self.integer(query, "limit", in: 1...Self.maxPageSize) ?? Self.defaultPageSize
        let offset = try Self.integer(query, "offset", in: 0...Int.max) ?? 0
        let before = try Self.integer(query, "before", in: 1...Int.max)
        let page = runtime.store.board.list(status: status, limit: limit, offset: offset, before: before)
        return .json(200, ["missions": .array(page.missions.map { .object($0.summaryJSON) }), "total": .int(page.total),
                           "next_before": page.nextBefore.map(JSONValue.int) ?? .null])
    }

    nonisolated(nonsending) func whiteboard(_ id: String, _ request: HTTPRequest) async throws -> HTTPResponse {
        let atSeq = try Self.integer(request.query, "at_seq", in: 0...Int.max)
        try requireKept(after: atSeq, "at_seq=\(atSeq ?? 0)")
        guard let seq = runtime.store.board.lastSeq(ofCreated: id) else { throw unknownMission(id) }
        guard let atSeq else {
            // The board is copied out only when its encoding is not cached.
            guard let body = encoded.json(of: id, at: seq, board: { runtime.store.whiteboard(id) }, live: runtime.waitingFor) else {
                throw APIError.notFound("there is no mission \(id.prefix(100))")
            }
            return HTTPResponse(status: 200, headers: HTTPResponse.jsonHeaders, body: body)
        }
        guard let board = try await runtime.store.whiteboard(id, atSeq: atSeq), board.isCreated else {
            let created = runtime.store.whiteboard(id)?.timeline.first?.seq ?? 0
            throw APIError.notFound("mission \(id) did not exist yet at seq \(atSeq); it was created at seq \(created)")
        }
        return .json(200, board.json)
    }

    nonisolated(nonsending) func events(_ id: String, _ request: HTTPRequest) async throws -> HTTPResponse {
        let since = try Self.integer(request.query, "since", in: 0...Int.max) ?? 0
        try requireKept(after: since, "since=\(since)")
        guard let entries = try await runtime.store.events(of: id, since: since), runtime.store.whiteboard(id)?.isCreated == true else {
            throw unknownMission(id)
        }
        // The records exactly as stored: their lines are spliced in, not re-encoded.
        var body = Array(#"{"events":["#.utf8)
        for (index, entry) in entries.enumerated() {
            if index > 0 { body.append(UInt8(ascii: ",")) }
            body.append(contentsOf: entry.line)
        }
        body.append(contentsOf: "]}\n".utf8)
        return HTTPResponse(status: 200, headers: [("Content-Type", "application/json")], body: body)
    }

    /// `since` / `at_seq` N asks for the records after N: 410 when some of them were dropped
    /// (CONTRACT §10). 0 asks for everything there is, so it is never refused.
    func requireKept(after seq: Int?, _ asked: String) throws {
        let first = runtime.store.log.firstSeq
        if let seq, seq > 0, seq < first - 1 { throw APIError.gone(firstSeq: first, asked: asked) }
    }

    /// A 404 for a mission not in the view, saying whether it aged out.
    func unknownMission(_ id: String) -> APIError {
        // Records of it are still kept but its creation is not: it surely aged out.
        let agedOut = runtime.store.board.lastSeq(ofAny: id) != nil
        return APIError.unknownMission(id, firstSeq: runtime.store.log.firstSeq, agedOut: agedOut)
    }

    func cancel(_ id: String) async throws -> HTTPResponse {
        switch try await runtime.executor.cancel(id) {
        case .cancelled(let board): return .json(200, runtime.liveJSON(board))
        case .alreadyTerminal(let board): throw APIError.conflict("mission \(id) is already \(board.status.rawValue); there is nothing to cancel")
        case .notFound: throw APIError.notFound("there is no mission \(id.prefix(100))")
        }
    }

    /// An external agent's progress or artifact for a mission (CONTRACT §4).
    func missionEvent(_ request: HTTPRequest) async throws -> HTTPResponse {
        let body = try Self.jsonObject(request)
        let id = try body.requiredString("mission_id")
        let kind = try body.requiredString("event")
        let eventBody: MissionEvent.Body
        switch kind {
        case "progress":
            eventBody = .progress(MissionProgress(phase: try body.requiredString("phase"), message: try body.optionalString("message") ?? "",
                                                  metadata: try body.optionalObject("metadata")))
        case "artifact":
            eventBody = .artifact(try Artifact(json: body))
        default:
            throw APIError.invalid("event '\(kind.prefix(40))' is neither 'progress' nor 'artifact'")
        }
        guard let board = runtime.store.whiteboard(id), board.isCreated else { throw APIError.notFound("there is no mission \(id.prefix(100))") }
        guard !board.status.isTerminal else {
            throw APIError.conflict("mission \(id) is already \(board.status.rawValue); it takes no more progress or artifacts")
        }
        let stored = try await runtime.store.append([MissionEvent(timestamp: .now(), missionID: id, body: eventBody)])
        return .json(200, ["seq": .int(stored[0].seq)])
    }
}
