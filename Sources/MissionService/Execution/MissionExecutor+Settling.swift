import MissionModel
import MissionStore
extension MissionExecutor {
    /// A mission whose last record is queued for the log. Only once that record is synced does
    /// the mission leave the queue (until then an identical request is still its duplicate) and
    /// its signal get written.
    struct Settlement: Sendable {
        struct Signal: Sendable {
            var type: SignalLog.SignalType
            var fields: JSONObject
        }

        var missionID: String
        /// The commit that makes its last record durable.
        var ticket: LogTicket
        var signal: Signal
    }

    /// How many missions wait for their last record's sync, those `settle()` has not taken
    /// yet, and who waits for none to.
    struct Unsettled: NumbersWaiters {
        var count = 0
        var queued: [Settlement] = []
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var nextWaiter = 0
    }

    /// Records a mission's last record without waiting for its sync, so that the worker takes
    /// the next mission at once; `settle()` finishes this one when the record is on disk. A
    /// worker that waited here would be bound by sync latency: four workers, one sync each.
    /// Past `maxUnsettled` missions waiting so, the worker waits for its own.
    /// `leading`: records of the attempt not yet in the log, written first in the same append.
    nonisolated func recordLast(_ id: String, _ body: MissionEvent.Body, after leading: [MissionEvent] = [],
                                then signal: Settlement.Signal) async throws {
        let events = leading + [MissionEvent(timestamp: configuration.now(), missionID: id, body: body)]
        let admitted = unsettled.withLock { state in
            guard state.count < configuration.maxUnsettled else { return false }
            state.count += 1
            return true
        }
        guard admitted else {
            try await store.append(events)
            emit(signal.type, id, signal.fields)
            await leave(id)
            return
        }
        do {
            let ticket = try await store.enqueue(events)
            unsettled.withLock { $0.queued.append(Settlement(missionID: id, ticket: ticket, signal: signal)) }
            settlementBell.continuation.yield()
        } catch {
            settled(1)
            throw error
        }
    }

    /// Finishes ended missions as their last records are synced, until shutdown. It takes all
    /// that are queued at each ring of the bell: one wait for the sync of the last of them,
    /// one append of their signals and one call to the queue, however many there are.
    nonisolated func settle() async {
        for await _ in settlementBell.stream {
            let batch = unsettled.withLock { state in
                defer { state.queued = [] }
                return state.queued
            }
            guard let last = batch.map(\.ticket).max() else { continue }
            if await !store.log.waitForCommit(of: last) {
                // The log closed or failed: each answers at once whether its own was committed.
                for settlement in batch where await !store.log.waitForCommit(of: settlement.ticket) {
                    configuration.report("mission \(settlement.missionID): its last record was not synced: the log closed or failed")
                }
            }
            emit(batch.map { ($0.signal.type, $0.missionID, $0.signal.fields) })
            await leave(batch.map(\.missionID))
            settled(batch.count)
        }
    }

    private nonisolated func settled(_ count: Int) {
        let waiters = unsettled.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.count -= count
            guard state.count == 0 else { return [] }
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        waiters.forEach { $0.resume() }
    }

    /// Returns once no ended mission waits for its last record's sync (its signal written, it
    /// out of the queue), or when the calling task is cancelled. For shutdown: nothing that
    /// ended is left half-done.
    nonisolated func waitUntilSettled() async {
        await unsettled.wait(in: \.waiters) { $0.count == 0 }
    }
}
