import MissionModel
import MissionStore
/// Runs queued missions: N workers, each a child of the one task group `run()` owns.
///
/// Per attempt: `active` → tool → `completed` / `failed` (or back to `queued` for a retry after
/// exponential backoff), each step a log record, plus a `mission_executed` signal. A mission
/// leaves the queue only once its last record is synced, but its worker does not wait for that
/// (`settle()` does): workers are bound by CPU, not by sync latency. The start is synced before
/// a tool that acts outside the process begins (write-ahead); tool events ride along with the
/// next sync, and an inline tool's start and events are written with its end, in one append.
/// The tool runs under a supervisor that listens for `cancel`, shutdown and its
/// `max_duration_seconds` deadline (one watcher task for all attempts); all three reach the
/// tool as task cancellation.
public actor MissionExecutor {
    public struct Configuration: Sendable {
        public var workers = 4
        public var retry = RetryPolicy()
        /// How many ended missions may wait for their last record's sync at once (their
        /// workers already took new ones); past it a worker waits, as if the log were slow.
        public var maxUnsettled = 1024
        /// Source of retry jitter in [0, 1); injectable so that tests are deterministic.
        public var jitter: @Sendable () -> Double = { Double.random(in: 0..<1) }
        public var now: @Sendable () -> Timestamp = { Timestamp.now() }
        /// Where operational messages go (the CLI and server send them to stderr).
        public var report: @Sendable (String) -> Void = { _ in }
        /// Told of each ending of a mission with dependents or a callback (after the dependents
        /// are settled).
        public var onEnding: @Sendable (MissionBoard.Ending) -> Void = { _ in }

        public init() {}
    }

    public let store: MissionStore
    public let signals: SignalLog
    public let queue: ExecutionQueue
    public let tools: ToolRegistry
    /// Cluster mode: a mission runs here only under this node's lease (CONTRACT §8).
    public let leases: PostgresLeases?
    let configuration: Configuration
    /// How long shutdown waits for ended missions to settle after the grace period.
    static let settleLimit: Duration = .seconds(5)

    /// The running attempts' `max_duration_seconds`, watched by one child of `run()`.
    let deadlines = AttemptDeadlines()
    /// Missions whose last record is queued, for `settle()`, which the bell wakes (rings
    /// that come while it works make one more wake, not one each).
    nonisolated let unsettled = Locked(Unsettled())
    nonisolated let settlementBell = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    private let retries: AsyncStream<Retry>
    private let retryContinuation: AsyncStream<Retry>.Continuation
    /// Missions whose `run_at` came, from the deadline watcher to `reconsider`.
    nonisolated let wakeups: AsyncStream<String>.Continuation
    private let wokenMissions: AsyncStream<String>

    struct Retry: Sendable {
        var missionID: String
        var delay: Duration
    }

    public init(store: MissionStore, signals: SignalLog, queue: ExecutionQueue, tools: ToolRegistry,
                configuration: Configuration = Configuration(), leases: PostgresLeases? = nil) {
        self.leases = leases
        self.store = store
        self.signals = signals
        self.queue = queue
        self.tools = tools
        self.configuration = configuration
        (retries, retryContinuation) = AsyncStream.makeStream(of: Retry.self)
        (wokenMissions, wakeups) = AsyncStream.makeStream(of: String.self)
    }

    /// Runs the workers and the retry timers until `shutdown` (or cancellation of the caller).
    public func run() async {
        await withDiscardingTaskGroup { group in
            for _ in 0..<max(configuration.workers, 1) {
                group.addTask { await self.workerLoop() }
            }
            group.addTask { await self.deadlines.run() }
            group.addTask { await self.settle() }
            group.addTask {
                // Ends when the group is cancelled at shutdown.
                for await id in self.wokenMissions { await self.reconsider(id) }
            }
            group.addTask {
                for await ending in self.store.board.endings {
                    await self.settleDependents(of: ending)
                    self.configuration.onEnding(ending)
                }
            }
            for await retry in retries {
                group.addTask {
                    do {
                        try await Task.sleep(for: retry.delay)
                        await self.queue.resume(retry.missionID)
                    } catch {
                        // Shutdown: the mission stays `queued` in the log and runs after restart.
                    }
                }
            }
            // The retry stream ends at shutdown or when this task is cancelled.
            await queue.close()
            group.cancelAll()
        }
    }

    /// Stops taking new work, lets running missions finish within `grace`, then interrupts the
    /// rest (recorded back as `queued`, reason `interrupted`). `run()` returns after this.
    public func shutdown(grace: Duration) async {
        await queue.close()
        // Not `withTimeout`: the wait for idle does not end on cancellation, but on the
        // interruption that the timer task makes at the end of the grace.
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.queue.waitUntilIdle() }
            group.addTask {
                do {
                    try await Task.sleep(for: grace)
                    await self.queue.interruptAll()
                } catch {
                    // Everything finished within the grace period.
                }
            }
            await group.next()
            group.cancelAll()
        }
        // Missions that ended get their signal and leave the queue; a sync takes milliseconds,
        // so the bound only matters if the log has failed.
        _ = await withTimeout(Self.settleLimit) { await self.waitUntilSettled() }
        retryContinuation.finish()
    }

    private nonisolated func workerLoop() async {
        while let lease = await queue.next() {
            await execute(lease)
        }
    }

    nonisolated func scheduleRetry(_ missionID: String, after delay: Duration) {
        retryContinuation.yield(Retry(missionID: missionID, delay: delay))
    }
}
