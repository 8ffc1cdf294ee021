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
        var seq: Int
        var signal: Signal
    }

    /// How many missions wait for their last record's sync, and who waits for none to.
    struct Unsettled: NumbersWaiters {
        var count = 0
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var nextWaiter = 0
    }

    /// Records a mission's last record without waiting for its sync, so that the worker takes
    /// the next mission at once; `settle()` finishes this one when the record is on disk. A
    /// worker that waited here would be bound by sync latency: four workers, one sync each.
    /// Past `maxUnsettled` missions waiting so, the worker waits for its own.
    nonisolated func recordLast(_ id: String, _ body: MissionEvent.Body, then signal: Settlement.Signal) async throws {
        let event = MissionEvent(timestamp: configuration.now(), missionID: id, body: body)
        let admitted = unsettled.withLock { state in
            guard state.count < configuration.maxUnsettled else { return false }
            state.count += 1
            return true
        }
        guard admitted else {
            try await store.append([event])
            await emit(signal.type, id, signal.fields)
            await queue.finish(id)
            return
        }
        do {
            let seq = try await store.enqueue([event])
            settlements.continuation.yield(Settlement(missionID: id, seq: seq, signal: signal))
        } catch {
            settled()
            throw error
        }
    }

    /// Finishes ended missions as their last records are synced, until shutdown.
    nonisolated func settle() async {
        for await settlement in settlements.stream {
            if await !store.log.waitForCommit(after: settlement.seq - 1) {
                configuration.report("mission \(settlement.missionID): its last record (seq \(settlement.seq)) was not synced: the log closed or failed")
            }
            await emit(settlement.signal.type, settlement.missionID, settlement.signal.fields)
            await queue.finish(settlement.missionID)
            settled()
        }
    }

    private nonisolated func settled() {
        let waiters = unsettled.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.count -= 1
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
