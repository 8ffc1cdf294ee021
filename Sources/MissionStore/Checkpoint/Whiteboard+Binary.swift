import MissionModel
extension Whiteboard {
    func write(to w: inout BinaryWriter) {
        w.string(missionID)
        w.internedString(status.rawValue)
        w.optional(objective) { w, o in w.internedString(o.type); w.string(o.description) }
        w.optional(constraints) { w, c in
            w.unsigned(UInt64(c.allowedDomains.count))
            c.allowedDomains.forEach { w.internedString($0) }
            w.int(c.maxPages)
            w.double(c.maxDurationSeconds)
            w.int(c.maxAttempts)
        }
        w.int(priority)
        for time in [createdAt, startTime, endTime, updatedAt] { w.optional(time) { $0.int64($1.millisecondsSinceEpoch) } }
        w.int(attempts)
        w.optional(progress) { w, p in w.internedString(p.phase); w.string(p.message) }
        w.unsigned(UInt64(artifacts.count))
        for artifact in artifacts { w.internedString(artifact.kind); w.string(artifact.uri) }
        w.optional(executionResult) { w, r in
            w.bool(r.success)
            w.string(r.finalAnswer)
            w.unsigned(UInt64(r.toolsUsed.count))
            r.toolsUsed.forEach { w.internedString($0) }
            w.optional(r.error) { $0.string($1) }
        }
        w.int(lastSeq)
        w.int(eventCount)
        w.unsigned(UInt64(timeline.count))
        var previousSeq = 0
        for entry in timeline {
            w.int(entry.seq - previousSeq)
            previousSeq = entry.seq
            w.int64(entry.timestamp.millisecondsSinceEpoch)
            w.internedString(entry.eventType)
            w.unsigned(UInt64(entry.labelKind.rawValue))
            w.internedString(entry.label)
            // Status messages are reasons, a small set. A creation entry's message is the
            // description and the latest progress entry's is `progress.message`: those are
            // written once, so that on load they share one string, as they do after a fold.
            if entry.labelKind == .status {
                w.internedString(entry.message)
            } else if entry.eventType == "mission_created", entry.message == objective?.description {
                w.unsigned(MessageSource.description)
            } else if entry.labelKind == .phase, entry.message == progress?.message {
                w.unsigned(MessageSource.progress)
            } else {
                w.unsigned(MessageSource.inline)
                w.string(entry.message)
            }
        }
        w.optional(source) { w, s in
            w.internedString(s.channel)
            w.optional(s.sessionID) { $0.string($1) }
            w.optional(s.messageID) { $0.string($1) }
        }
        w.optional(dedupKey) { $0.string($1) }
        w.optional(idempotencyKey) { $0.string($1) }
        w.bool(hasStatusUpdate)
        w.int(illegalTransitions)
        w.optional(runAt) { $0.int64($1.millisecondsSinceEpoch) }
        w.bool(requiresApproval)
        w.bool(approved)
        w.bool(paused)
        w.optional(parentID) { $0.string($1) }
        w.unsigned(UInt64(after.count))
        after.forEach { w.string($0) }
        w.optional(scheduleID) { $0.string($1) }
        w.optional(concurrencyKey) { $0.string($1) }
        w.optional(callbackURL) { $0.string($1) }
    }

    init(from r: inout BinaryReader) throws {
        self.init(missionID: try r.string())
        guard let status = MissionStatus(rawValue: try r.internedString()) else { throw BinaryReader.Malformed() }
        self.status = status
        objective = try r.optional { r in Objective(type: try r.internedString(), description: try r.string()) }
        constraints = try r.optional { r in
            let count = try r.unsigned()
            var domains: [String] = []
            for _ in 0..<min(count, 10_000) { domains.append(try r.internedString()) }
            return Constraints(allowedDomains: domains, maxPages: try r.int(), maxDurationSeconds: try r.double(), maxAttempts: try r.int())
        }
        priority = try r.int()
        var times: [Timestamp?] = []
        for _ in 0..<4 { times.append(try r.optional { Timestamp(millisecondsSinceEpoch: try $0.int64()) }) }
        (createdAt, startTime, endTime, updatedAt) = (times[0], times[1], times[2], times[3])
        attempts = try r.int()
        progress = try r.optional { r in MissionProgress(phase: try r.internedString(), message: try r.string()) }
        let artifactCount = try r.unsigned()
        for _ in 0..<artifactCount { artifacts.append(Artifact(kind: try r.internedString(), uri: try r.string())) }
        executionResult = try r.optional { r in
            let success = try r.bool()
            let answer = try r.string()
            var tools: [String] = []
            for _ in 0..<(try r.unsigned()) { tools.append(try r.internedString()) }
            return ExecutionResult(success: success, finalAnswer: answer, toolsUsed: tools, error: try r.optional { try $0.string() })
        }
        lastSeq = try r.int()
        eventCount = try r.int()
        let timelineCount = try r.unsigned()
        timeline.reserveCapacity(Int(min(timelineCount, 1 << 20)))
        var seq = 0
        for _ in 0..<timelineCount {
            seq += try r.int()
            let timestamp = Timestamp(millisecondsSinceEpoch: try r.int64())
            let eventType = try r.internedString()
            guard let labelKind = TimelineEntry.LabelKind(rawValue: UInt8(truncatingIfNeeded: try r.unsigned())) else { throw BinaryReader.Malformed() }
            let label = try r.internedString()
            let message: String
            if labelKind == .status {
                message = try r.internedString()
            } else {
                switch try r.unsigned() {
                case MessageSource.inline: message = try r.string()
                case MessageSource.description: message = objective?.description ?? ""
                case MessageSource.progress: message = progress?.message ?? ""
                default: throw BinaryReader.Malformed()
                }
            }
            timeline.append(TimelineEntry(seq: seq, timestamp: timestamp, eventType: eventType, labelKind: labelKind, label: label, message: message))
        }
        source = try r.optional { r in
            var source = MissionSource(channel: .api)
            source.channel = try r.internedString()
            source.sessionID = try r.optional { try $0.string() }
            source.messageID = try r.optional { try $0.string() }
            return source
        }
        dedupKey = try r.optional { try $0.string() }
        idempotencyKey = try r.optional { try $0.string() }
        hasStatusUpdate = try r.bool()
        illegalTransitions = try r.int()
        runAt = try r.optional { Timestamp(millisecondsSinceEpoch: try $0.int64()) }
        requiresApproval = try r.bool()
        approved = try r.bool()
        paused = try r.bool()
        parentID = try r.optional { try $0.string() }
        for _ in 0..<min(try r.unsigned(), 10_000) { after.append(try r.string()) }
        scheduleID = try r.optional { try $0.string() }
        concurrencyKey = try r.optional { try $0.string() }
        callbackURL = try r.optional { try $0.string() }
    }
}

/// Where a timeline message of a checkpoint comes from.
private enum MessageSource {
    static let inline: UInt64 = 0
    static let description: UInt64 = 1
    static let progress: UInt64 = 2
}
