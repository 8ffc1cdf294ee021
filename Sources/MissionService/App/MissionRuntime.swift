import Glibc
import MissionModel
import MissionNet
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
        /// Missions of one `concurrency_key` that may run at once (`--max-per-key`, CONTRACT §9).
        public var maxPerKey = ExecutionQueue.defaultMaxPerKey
        /// How missions' `callback_url`s are called (CONTRACT §9).
        public var callbacks = CallbackSettings()
        /// The PostgreSQL store shared by the nodes of a cluster (CONTRACT §8); nil: the
        /// embedded store in `dataDirectory`. Opened by `MissionRuntime.open`.
        public var store: String?
        /// This node's name in a cluster (CONTRACT §8: default host, port and a short random suffix).
        public var nodeID = MissionRuntime.defaultNodeID(port: 8080)
        /// How long a node's lease on a running mission lasts unless renewed (`--lease-seconds`).
        public var leaseDuration: Duration = .seconds(15)
        /// When the embedded logs seal their active file (CONTRACT §10, `--segment-bytes`,
        /// `--segment-max-age`).
        public var segmentBytes = JSONLLog.Limits().segmentBytes
        public var segmentMaxAge = JSONLLog.Limits().segmentMaxAge
        /// Which ended missions age out of the embedded log as it runs (CONTRACT §10; off by default).
        public var retention = RetentionPolicy()

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
    /// Sends the callbacks of missions that end here; run by the server.
    let callbacks: CallbackSender
    /// Retention as the service runs (CONTRACT §10).
    public let history: HistoryKeeper
    /// The PostgreSQL store in cluster mode, with any password hidden; nil for the embedded one.
    public let clusterStore: String?
    /// The embedded store's hold on its data directory (nil in cluster mode).
    private let lock: DirectoryLock?
    /// The loop the cluster store's connections wait on (nil for the embedded store).
    private let storeLoop: EventLoop?
    /// Cluster mode: this node's leases on the missions it runs.
    public let leases: PostgresLeases?

    /// The default `--node-id`: host name, port and a short random suffix, so that a node
    /// restarted at once is not taken for the one that crashed.
    public static func defaultNodeID(port: Int) -> String {
        var name = [CChar](repeating: 0, count: 256)
        let host = gethostname(&name, name.count) == 0 ? String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : "node"
        return "\(host):\(port)-\(String(UInt32.random(in: 0..<UInt32.max), radix: 16))"
    }

    /// The cluster duties of this node (nil for the embedded store): run beside the executor.
    func clusterDuties() -> ClusterDuties? {
        leases.map { ClusterDuties(store: store, queue: queue, executor: executor, leases: $0, tools: tools, report: report) }
    }
    private let report: @Sendable (String) -> Void
    private let reportCheckpoints: Bool
    private let checkpointing = Locked(())

    public struct OpenReport: Sendable {
        public var missionsRecords: Int
        public var signalsRecords: Int
        public var tornLines: [String]
        public var checkpoint: String
    }

    /// Opens the embedded store in the data directory (`options.store` must be nil: a cluster
    /// store is opened by `open`).
    public convenience init(_ options: Options) throws {
        precondition(options.store == nil, "a cluster store is opened by MissionRuntime.open")
        let directory = options.dataDirectory
        let lock = try directory.lock()
        let signalsLog: JSONLLog
        let (store, checkpointNote): (MissionStore, String)
        do {
            var signalLimits = SignalLog.logLimits
            signalLimits.segmentBytes = options.segmentBytes
            signalLimits.segmentMaxAge = options.segmentMaxAge
            var missionLimits = JSONLLog.Limits()
            missionLimits.segmentBytes = options.segmentBytes
            missionLimits.segmentMaxAge = options.segmentMaxAge
            signalsLog = try JSONLLog(path: directory.signalsPath, limits: signalLimits, keyField: MissionStore.keyField)
            do {
                (store, checkpointNote) = try Checkpoint.openStore(directory, useCheckpoint: options.useCheckpoint, limits: missionLimits)
            } catch {
                signalsLog.closeNow()
                throw error
            }
        } catch {
            lock.release()
            throw error
        }
        var torn: [String] = []
        for log in [store.file, signalsLog].compactMap(\.self) where log.openReport.tornBytes > 0 {
            torn.append("\(log.path): set aside a torn last line of \(log.openReport.tornBytes) bytes in \(log.openReport.tornPath ?? "?")")
        }
        self.init(options, store: store, signals: signalsLog, lock: lock, loop: nil, leases: nil, note: checkpointNote, torn: torn)
    }

    /// Opens the runtime on the store `options` name: the embedded one, or in cluster mode the
    /// PostgreSQL store, whose schema is created or migrated first (CONTRACT §8).
    public static func open(_ options: Options) async throws -> MissionRuntime {
        guard let url = options.store else { return try MissionRuntime(options) }
        let loop = try EventLoop()
        do {
            let connection = try await PostgresConnection.connect(url, loop: loop)
            defer { connection.close() }
            let schema = try await PostgresSchema.migrate(connection)
            let board = MissionBoard()
            let missions = try await PostgresLog.open(url, table: .missions, loop: loop, keyField: MissionStore.keyField,
                                                      replay: { seq, record in board.apply(seq: seq, record: record) },
                                                      onCommit: { entries in board.apply(entries) })
            let signals: PostgresLog
            do {
                signals = try await PostgresLog.open(url, table: .signals, loop: loop, keyField: MissionStore.keyField)
            } catch {
                await missions.close()
                throw error
            }
            let leases = PostgresLeases(conninfo: url, loop: loop, nodeID: options.nodeID, duration: options.leaseDuration)
            return MissionRuntime(options, store: MissionStore(log: missions, board: board), signals: signals, lock: nil, loop: loop,
                                  leases: leases, note: "\(schema); node \(options.nodeID)", torn: [])
        } catch {
            loop.stop()
            throw error
        }
    }

    private init(_ options: Options, store: MissionStore, signals signalsLog: any RecordLog, lock: DirectoryLock?, loop: EventLoop?,
                 leases: PostgresLeases?, note: String, torn: [String]) {
        directory = options.dataDirectory
        self.leases = leases
        self.lock = lock
        storeLoop = loop
        clusterStore = options.store.map(StoreURL.redacted)
        self.store = store
        signals = SignalLog(log: signalsLog)
        report = options.executor.report
        reportCheckpoints = options.reportCheckpoints
        store.log.reportStorage(to: report)
        signals.log.reportStorage(to: report)
        // A pause of the whole queue that the log records holds across the restart.
        queue = ExecutionQueue(capacity: options.maxQueued, paused: store.board.queuePaused, maxPerKey: options.maxPerKey)
        tools = options.tools
        let callbacks = CallbackSender(store: store, settings: options.callbacks, report: report)
        self.callbacks = callbacks
        history = HistoryKeeper(store: store, signals: signalsLog, policy: options.retention, archive: options.dataDirectory.archivePath, report: report)
        var executorConfiguration = options.executor
        // A mission with a callback that ended here is told of by this process (CONTRACT §9).
        executorConfiguration.onEnding = { ending in if ending.local { callbacks.send(ending.missionID) } }
        executor = MissionExecutor(store: store, signals: signals, queue: queue, tools: options.tools, configuration: executorConfiguration, leases: leases)
        openReport = OpenReport(missionsRecords: store.log.lastSeq, signalsRecords: signals.log.lastSeq,
                                tornLines: torn, checkpoint: note)
        // The checkpoint on disk describes files a pass just dropped: a crash now would replay
        // the whole log kept. A fresh one, at once, names the new first seq.
        history.afterDrop { [weak self] in self?.writeCheckpoint() }
    }

    /// Makes every mission the log shows queued or active known to the queue for duplicate
    /// suppression, without running them: for processes that write but do not serve.
    public func holdLiveMissions() async {
        for board in store.board.all() where board.isCreated && !board.status.isTerminal {
            await queue.hold(ExecutionQueue.Item(board))
        }
    }

    /// Creates a mission: durable `mission_created` + `queued` records, then runnable. Returns
    /// as soon as the records are synced; never waits for execution.
    public func submit(_ request: MissionRequest, now: Timestamp = .now()) async throws -> Submission {
        try request.validate(tools: tools)
        if let url = request.callbackURL { try callbacks.settings.check(url) }
        if !request.after.isEmpty {
            let known = store.board.statuses(of: request.after)
            if let unknown = request.after.first(where: { known[$0] == nil }) {
                throw SubmissionError.invalid("after: there is no mission \(unknown.prefix(100)); a mission can only come after missions that exist")
            }
        }
        try store.log.requireSpace()
        let created = MissionCreated(objective: request.objective, constraints: request.constraints, priority: request.priority,
                                     source: request.source, idempotencyKey: request.idempotencyKey,
                                     requestFingerprint: request.requestFingerprint, intent: request.intent,
                                     runAt: request.runAt, requiresApproval: request.requiresApproval, parentID: request.parentID,
                                     after: request.after, scheduleID: request.scheduleID, concurrencyKey: request.concurrencyKey,
                                     callbackURL: request.callbackURL)
        var id: String
        var board: Whiteboard
        submitting: while true {
            reserving: while true {
                id = MissionID.generate()
                let item = ExecutionQueue.Item(missionID: id, priority: request.priority, dedupKey: created.dedupKey,
                                               concurrencyKey: request.concurrencyKey)
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
                        return try duplicate(of: board, created, request, at: now)
                    }
                }
            }
            board = Whiteboard(missionID: id)
            do {
                let stored = try await store.append([
                    MissionEvent(timestamp: now, missionID: id, body: .created(created)),
                    MissionEvent(timestamp: now, missionID: id, body: .status(StatusUpdate(status: .queued, reason: "enqueued", attempt: 0))),
                ], claims: clusterStore == nil ? [] : MissionStore.claims(of: created))
                // The answer is the mission as created: queued. It is folded from the two records
                // just written rather than read from the shared board, whose lock the writer holds
                // while it folds each batch in.
                for event in stored { WhiteboardReducer.reduce(into: &board, event) }
                break submitting
            } catch LogError.claimed(let claim) {
                // Cluster mode: another node created the twin (or took the key) first.
                await queue.abandon(id)
                if let twin = try await twin(holding: claim) { return try duplicate(of: twin, created, request, at: now) }
            } catch {
                await queue.abandon(id)
                throw error
            }
        }
        await queue.confirm(id, waiting: holdsBack(board))
        executor.wakeWhenDue(board, decidedAt: now)
        // One it comes after may have ended meanwhile, or failed before.
        if !board.after.isEmpty { await executor.reconsider(id, mayCancel: true) }
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

    /// Whether the log holds `board`'s mission back by itself (paused, approval, dependencies,
    /// run_at): the queue then keeps it waiting. The whole queue's pause and the key's limit
    /// are the queue's own to apply.
    func holdsBack(_ board: Whiteboard) -> Bool {
        let statuses = board.after.isEmpty ? [:] : store.board.statuses(of: board.after)
        return board.waitingFor(now: .now(), status: { statuses[$0] }) != nil
    }

    /// Why `board`'s mission may not start yet, as the live view says it (CONTRACT §9).
    public func waitingFor(_ board: Whiteboard) -> String? {
        guard board.status == .queued else { return nil }
        if store.board.queuePaused { return "queue_paused" }
        let statuses = board.after.isEmpty ? [:] : store.board.statuses(of: board.after)
        if let reason = board.waitingFor(now: .now(), status: { statuses[$0] }) { return reason }
        // Last in the contract's order: its key has all the missions running that it may.
        if let key = board.concurrencyKey, store.board.activeCount(key) >= queue.maxPerKey { return "concurrency" }
        return nil
    }

    /// Pauses or resumes the whole queue (CONTRACT §9): recorded first, so that it holds
    /// across restarts and nodes; running missions go on.
    public func setQueuePaused(_ paused: Bool) async throws {
        try await store.record(QueueRecord.record(paused: paused, at: .now()))
        if paused { await queue.pauseAll() } else { await queue.resumeAll() }
    }

    /// The whiteboard as the live view shows it: with `waiting_for`.
    public func liveJSON(_ board: Whiteboard) -> JSONObject {
        board.json(waitingFor: waitingFor(board))
    }

    /// The answer to a request whose twin `board` is queued or running.
    private func duplicate(of board: Whiteboard, _ created: MissionCreated, _ request: MissionRequest, at now: Timestamp) throws -> Submission {
        try signals.emit(.duplicateSuppressed, missionID: board.missionID, at: now,
                         ["dedup_key": .string(created.dedupKey), "channel": .string(request.source.channel)])
        return .deduplicated(board)
    }

    /// The worse state of the two logs: "ok", "full", "unavailable" (a cluster store that
    /// cannot be reached) or "failed" (as `/health` says it).
    public var storage: String {
        let states = [store.log.storage, signals.log.storage]
        if states.contains(where: { if case .failed = $0 { return true } else { return false } }) { return "failed" }
        if states.contains(where: { if case .unavailable = $0 { return true } else { return false } }) { return "unavailable" }
        return states.contains(.full) ? "full" : "ok"
    }

    /// Closes both logs (everything acknowledged is already synced) and writes a checkpoint so
    /// that the next start is fast.
    public func close() async {
        if let leases {
            // The executor handed its attempts back: what waits here for a retry is let go too.
            do { try await leases.releaseAll() } catch { report("leases not let go (they run out within \(leases.duration)): \(error)") }
            leases.close()
        }
        await store.close()
        await signals.log.close()
        writeCheckpoint()
        lock?.release()
        storeLoop?.stop()
    }

    /// Closes both logs and releases the lock at once, without a checkpoint: for a start that
    /// failed after the runtime opened.
    public func closeNow() {
        store.log.closeNow()
        signals.log.closeNow()
        lock?.release()
        storeLoop?.stop()
    }

    /// Writes a checkpoint each time `interval` more records are committed, until the log
    /// closes or the calling task is cancelled. Waits on commits; never polls.
    public func runCheckpoints(every interval: Int = Checkpoint.defaultInterval) async {
        // A cluster store keeps no checkpoint: each node reads the store on start.
        guard store.file != nil else { return }
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
        guard store.file != nil else { return nil }
        // One at a time: the periodic ones, the one after a retention pass, the one at close
        // share one temporary file.
        return checkpointing.withLock { _ in writeCheckpointNow() }
    }

    private func writeCheckpointNow() -> Int? {
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
