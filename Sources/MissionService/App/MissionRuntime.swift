import MissionModel
import MissionStore
/// Everything one process needs to own a data directory: the lock, both logs with the view,
/// the queue and the executor. The CLI's `run` and the server both start from here.
public final class MissionRuntime: Sendable {
    public struct Options: Sendable {
        public var dataDirectory: DataDirectory
        public var executor = MissionExecutor.Configuration()
        public var tools = ToolRegistry()
        public var useCheckpoint = true
        /// Whether each checkpoint written is reported (a server's log wants it; the output of
        /// `mission run` does not). A failure to write one is reported either way.
        public var reportCheckpoints = true
        /// Missions that may wait to run at once; past it new ones are refused (`ExecutionQueue.Full`).
        public var maxQueued = ExecutionQueue.defaultCapacity

        public init(dataDirectory: DataDirectory) {
            self.dataDirectory = dataDirectory
        }
    }

    public let directory: DataDirectory
    public let store: MissionStore
    public let signals: SignalLog
    public let queue: ExecutionQueue
    public let executor: MissionExecutor
    public let tools: ToolRegistry
    public let openReport: OpenReport
    private let lock: DirectoryLock
    private let report: @Sendable (String) -> Void
    private let reportCheckpoints: Bool

    public struct OpenReport: Sendable {
        public var missionsRecords: Int
        public var signalsRecords: Int
        public var tornLines: [String]
        public var checkpoint: String
    }

    public init(_ options: Options) throws {
        directory = options.dataDirectory
        lock = try directory.lock()
        let signalsLog = try JSONLLog(path: directory.signalsPath, limits: SignalLog.logLimits, keyField: MissionStore.keyField)
        let (store, checkpointNote): (MissionStore, String)
        do {
            (store, checkpointNote) = try Checkpoint.openStore(directory, useCheckpoint: options.useCheckpoint)
        } catch {
            signalsLog.closeNow()
            throw error
        }
        self.store = store
        signals = SignalLog(log: signalsLog)
        report = options.executor.report
        reportCheckpoints = options.reportCheckpoints
        store.log.reportStorage(to: report)
        signals.log.reportStorage(to: report)
        queue = ExecutionQueue(capacity: options.maxQueued)
        tools = options.tools
        executor = MissionExecutor(store: store, signals: signals, queue: queue, tools: options.tools, configuration: options.executor)
        var torn: [String] = []
        for log in [store.file, signalsLog].compactMap(\.self) where log.openReport.tornBytes > 0 {
            torn.append("\(log.path): set aside a torn last line of \(log.openReport.tornBytes) bytes in \(log.openReport.tornPath ?? "?")")
        }
        openReport = OpenReport(missionsRecords: store.log.lastSeq, signalsRecords: signals.log.lastSeq,
                                tornLines: torn, checkpoint: checkpointNote)
    }

    /// Makes every mission the log shows queued or active known to the queue for duplicate
    /// suppression, without running them: for processes that write but do not serve.
    public func holdLiveMissions() async {
        for board in store.board.all() where board.isCreated && !board.status.isTerminal {
            await queue.hold(ExecutionQueue.Item(missionID: board.missionID, priority: board.priority, dedupKey: board.dedupKey ?? board.missionID))
        }
    }

    /// Creates a mission: durable `mission_created` + `queued` records, then runnable. Returns
    /// as soon as the records are synced; never waits for execution.
    public func submit(_ request: MissionRequest, now: Timestamp = .now()) async throws -> Submission {
        try request.validate(tools: tools)
        try store.log.requireSpace()
        let created = MissionCreated(objective: request.objective, constraints: request.constraints, priority: request.priority,
                                     source: request.source, idempotencyKey: request.idempotencyKey,
                                     requestFingerprint: request.requestFingerprint, intent: request.intent)
        var id: String
        reserving: while true {
            id = MissionID.generate()
            let item = ExecutionQueue.Item(missionID: id, priority: request.priority, dedupKey: created.dedupKey)
            switch await queue.reserve(item) {
            case .enqueued:
                break reserving
            case .alreadyPresent:
                continue
            case .full(let capacity):
                throw ExecutionQueue.Full(capacity: capacity)
            case .duplicate(let existing):
                // The twin may still be writing its records: answer with it once it is durable.
                // If its creation failed, or it already finished, this request goes ahead.
                if await queue.settled(existing), let board = store.whiteboard(existing), !board.status.isTerminal {
                    try signals.emit(.duplicateSuppressed, missionID: existing, at: now,
                                     ["dedup_key": .string(created.dedupKey), "channel": .string(request.source.channel)])
                    return .deduplicated(board)
                }
            }
        }
        var board = Whiteboard(missionID: id)
        do {
            let stored = try await store.append([
                MissionEvent(timestamp: now, missionID: id, body: .created(created)),
                MissionEvent(timestamp: now, missionID: id, body: .status(StatusUpdate(status: .queued, reason: "enqueued", attempt: 0))),
            ])
            // The answer is the mission as created: queued. It is folded from the two records
            // just written rather than read from the shared board, whose lock the writer holds
            // while it folds each batch in.
            for event in stored { WhiteboardReducer.reduce(into: &board, event) }
        } catch {
            await queue.abandon(id)
            throw error
        }
        await queue.confirm(id)
        var proposed: JSONObject = [
            "objective_type": .string(request.objective.type),
            "priority": .int(request.priority),
            "channel": .string(request.source.channel),
        ]
        proposed.set("session_id", request.source.sessionID.map(JSONValue.string))
        proposed.set("intent", request.intent.map { .string($0.name) })
        try signals.emit(.missionProposed, missionID: id, at: now, proposed)
        return .created(board)
    }

    /// The worse state of the two logs: "ok", "full" or "failed" (as `/health` says it).
    public var storage: String {
        let states = [store.log.storage, signals.log.storage]
        if states.contains(where: { if case .failed = $0 { return true } else { return false } }) { return "failed" }
        return states.contains(.full) ? "full" : "ok"
    }

    /// Closes both logs (everything acknowledged is already synced) and writes a checkpoint so
    /// that the next start is fast.
    public func close() async {
        await store.close()
        await signals.log.close()
        writeCheckpoint()
        lock.release()
    }

    /// Closes both logs and releases the lock at once, without a checkpoint: for a start that
    /// failed after the runtime opened.
    public func closeNow() {
        store.log.closeNow()
        signals.log.closeNow()
        lock.release()
    }

    /// Writes a checkpoint each time `interval` more records are committed, until the log
    /// closes or the calling task is cancelled. Waits on commits; never polls.
    public func runCheckpoints(every interval: Int = Checkpoint.defaultInterval) async {
        var covered = store.log.lastSeq
        while await store.log.waitForCommit(after: covered + interval - 1) {
            // Encoding every board and syncing the file takes long (0.8 s for 200k missions in
            // `mission-bench all`'s checkpoint-write figure):
            // on a thread of its own, not one of the pool's two that serve requests.
            let written = await withCheckedContinuation { continuation in
                NamedThread.start("checkpoint") { continuation.resume(returning: self.writeCheckpoint()) }
            }
            covered = written ?? store.log.lastSeq
        }
    }

    @discardableResult
    private func writeCheckpoint() -> Int? {
        do {
            let started = ContinuousClock.now
            guard let written = try Checkpoint.write(store, to: directory.checkpointPath) else { return nil }
            if reportCheckpoints { report("checkpoint at seq \(written.seq) written in \((ContinuousClock.now - started).milliseconds) ms "
                   + "(\(written.copiedSegments) of \(written.segments) segments copied unchanged)") }
            return written.seq
        } catch {
            report("checkpoint not written (the next start replays more of the log): \(error)")
            return nil
        }
    }
}
