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

    /// Records a mission's last record without waiting for its sync, so that the worker takes
    /// the next mission at once; `settle()` finishes this one when the record is on disk. A
    /// worker that waited here would be bound by sync latency: four workers, one sync each.
    /// Past `maxUnsettled` missions waiting so, the worker waits for its own.
    nonisolated func recordLast(_ id: String, _ body: MissionEvent.Body, then signal: Settlement.Signal) async throws {
        let event = MissionEvent(timestamp: configuration.now(), missionID: id, body: body)
        let admitted = unsettled.withLock { count in
            guard count < configuration.maxUnsettled else { return false }
            count += 1
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
            unsettled.withLock { $0 -= 1 }
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
            unsettled.withLock { $0 -= 1 }
        }
    }
}
