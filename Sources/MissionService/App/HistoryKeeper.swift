import MissionModel
import MissionStore

/// Retention while the service runs (CONTRACT §10, `--retain-days`, `--retain-missions`): a
/// pass of `HistoryCompaction` at start, after each seal of the missions log, and once an
/// interval, since missions age while no record comes. Passes run one at a time, on a thread
/// of their own (they sync the directory once per segment dropped and look at every mission).
public final class HistoryKeeper: Sendable {
    public let policy: RetentionPolicy
    /// How often a pass runs when nothing seals.
    public static let interval: Duration = .seconds(3600)
    let store: MissionStore
    let signals: (any RecordLog)?
    let archive: String
    let report: @Sendable (String) -> Void
    private let last = Locked<HistoryCompaction.Report?>(nil)
    private let dropped = Locked<(@Sendable () -> Void)?>(nil)
    /// Held for a whole pass: two at once would both drop the same oldest segments.
    private let passing = Locked(())

    init(store: MissionStore, signals: (any RecordLog)?, policy: RetentionPolicy, archive: String, report: @escaping @Sendable (String) -> Void) {
        self.store = store
        self.signals = signals
        self.policy = policy
        self.archive = archive
        self.report = report
    }

    /// Called (on the pass's thread) after a pass that dropped segments.
    func afterDrop(_ action: @escaping @Sendable () -> Void) {
        dropped.withLock { $0 = action }
    }

    /// What the last pass found (nil before the first, or with retention off).
    public var lastReport: HistoryCompaction.Report? { last.withLock { $0 } }

    /// Runs passes until the missions log closes or the task is cancelled.
    func run() async {
        guard policy.isEnabled, let log = store.file else { return }
        let (wakes, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        wake.yield()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await _ in log.seals { wake.yield() }
                wake.finish()
            }
            group.addTask {
                while (try? await Task.sleep(for: Self.interval)) != nil { wake.yield() }
            }
            for await _ in wakes { await pass() }
            group.cancelAll()
        }
    }

    /// One pass, on a thread of its own.
    func pass() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            NamedThread.start("retention") {
                self.passNow()
                continuation.resume()
            }
        }
    }

    func passNow() {
        passing.withLock { _ in passLocked() }
    }

    private func passLocked() {
        do {
            let result = try HistoryCompaction.run(store, signals: signals as? JSONLLog, policy: policy, archive: archive)
            last.withLock { $0 = result }
            if result.droppedSegments > 0 { dropped.withLock { $0 }?() }
            if result.droppedSegments > 0 || result.droppedSignalSegments > 0 {
                report("retention: \(result.plan.agedOut) ended missions aged out; \(result.droppedSegments) missions segments and "
                       + "\(result.droppedSignalSegments) signals segments \(policy.archive ? "archived" : "deleted"); first kept seq \(result.firstSeq)")
            }
        } catch {
            report("retention pass failed (history is kept until the next one): \(error)")
        }
    }
}
