import MissionModel
import Dispatch
import Glibc

/// The writer thread's side of the log: group commit (take what is pending, write it with one
/// `write`, sync it with one `fdatasync`, resume the appenders), lingering for company, and
/// what a failed write does.
extension JSONLLog {
    /// Waits up to `lingerWithoutWaiters` for more records to join `batch`, unless one of them
    /// has someone waiting or the log is closing.
    func linger(_ batch: [Pending]) -> [Pending] {
        let deadline = DispatchTime.now() + .nanoseconds(limits.lingerWithoutWaiters.nanoseconds)
        var batch = batch
        var bytes = batch.reduce(0) { $0 + $1.bytes }
        while bytes < limits.maxBatchBytes / 2 {
            let (closing, idle) = state.withLock { state in
                let idle = !state.closed && state.pending.isEmpty
                // Records nobody waits for join quietly: only a waited one or a close wakes it.
                state.writer = .lingering
                return (state.closed, idle)
            }
            if !idle || wakeWriter.wait(timeout: deadline) == .timedOut {
                // A signal that raced with the timeout only makes the writer's next wait return early.
                state.withLock { $0.writer = .busy }
            }
            let (more, waited) = state.withLock { state -> ([Pending], Bool) in
                var more: [Pending] = []
                swap(&more, &state.pending)
                state.pendingBytes = 0
                return (more, more.contains { $0.continuation != nil })
            }
            batch += more
            bytes += more.reduce(0) { $0 + $1.bytes }
            if closing || waited || DispatchTime.now() >= deadline { break }
        }
        return batch
    }

    static let keptBufferBytes = 1 << 20

    func writerLoop() {
        var buffer: [UInt8] = []
        while true {
            let batch: [Pending]? = state.withLock { state in
                if state.pending.isEmpty {
                    if state.closed { return nil }
                    state.writer = .idle
                    return []
                }
                if state.pendingBytes <= limits.maxBatchBytes {
                    // The usual case: take everything without copying the array.
                    var batch: [Pending] = []
                    swap(&batch, &state.pending)
                    state.pendingBytes = 0
                    return batch
                }
                var taken = 0
                var bytes = 0
                for pending in state.pending {
                    if taken > 0 && bytes >= limits.maxBatchBytes { break }
                    bytes += pending.bytes
                    taken += 1
                }
                state.pendingBytes -= bytes
                let batch = Array(state.pending[0..<taken])
                state.pending.removeFirst(taken)
                return batch
            }
            guard let batch else { break }
            if batch.isEmpty {
                wakeWriter.wait()
                continue
            }
            commit(batch.contains { $0.continuation != nil } ? batch : linger(batch), buffer: &buffer)
        }
        let (waiters, closers, blocking) = state.withLock { state in
            state.writerRunning = false
            defer { state.waiters = [:]; state.closeWaiters = []; state.blockingClosers = [] }
            return (state.waiters.values.map(\.continuation), state.closeWaiters, state.blockingClosers)
        }
        waiters.forEach { $0.resume() }
        closers.forEach { $0.resume() }
        blocking.forEach { $0.signal() }
        sealsInput.finish()
    }

    /// Writes and syncs `batch` through `buffer`, the writer's own, which keeps its capacity
    /// from one batch to the next (up to `keptBufferBytes`) instead of a large allocation each.
    func commit(_ batch: [Pending], buffer bytes: inout [UInt8]) {
        defer {
            if bytes.capacity > Self.keptBufferBytes { bytes = [] } else { bytes.removeAll(keepingCapacity: true) }
        }
        bytes.reserveCapacity(batch.reduce(0) { $0 + $1.bytes })
        for pending in batch {
            for entry in pending.entries {
                bytes.append(contentsOf: entry.line)
                bytes.append(0x0A)
            }
        }
        var syncStart = DispatchTime.now().uptimeNanoseconds
        while true {
            do {
                try segments.writeAll(bytes[...])
                try segments.sync()
                break
            } catch {
                // A full disk is waited out with the batch held: its appenders wait, and
                // nothing queued is dropped. Any other failure poisons the log.
                guard case .io(_, _, ENOSPC) = error, waitForSpace() else {
                    fail(batch, state.withLock { $0.full } ? .full(path: path) : error)
                    return
                }
                syncStart = DispatchTime.now().uptimeNanoseconds
            }
        }
        if state.withLock({ $0.full }) { spaceIsBack() }
        let syncNanoseconds = DispatchTime.now().uptimeNanoseconds - syncStart
        let entries = batch.flatMap(\.entries)
        // The view is updated before the commit is published, so whoever can read record N
        // from the log also finds it folded into the view.
        onCommit?(entries)
        // Made before the lock is taken: appenders wait on it.
        let slim = entries.map(\.slim)
        let waiters = state.withLock { state in
            for entry in slim {
                state.offsets.append(state.endOffset)
                state.endOffset += entry.line.count + 1
                state.recent.append(entry)
            }
            state.committedSeq = entries.last!.seq
            state.stats.records += entries.count
            state.stats.syncs += 1
            state.stats.syncNanoseconds += syncNanoseconds
            state.stats.syncSeconds.observe(Double(syncNanoseconds) / 1e9)
            return state.takeWaiters()
        }
        for pending in batch { pending.continuation?.resume(returning: pending.entries) }
        waiters.forEach { $0.resume() }
        sealIfDue()
    }

    /// After a commit: seals the active file once it is large or old enough (CONTRACT §10).
    /// On the writer thread, between batches, so no line is split and nothing is pending in it.
    func sealIfDue() {
        let now = Timestamp.now()
        let (end, next, due) = state.withLock { state in
            if state.activeSince == nil { state.activeSince = now }
            let bytes = state.endOffset - segments.activeStart
            let old = state.activeSince.map { now.milliseconds(since: $0) >= limits.segmentMaxAge.milliseconds } ?? false
            return (state.endOffset, state.committedSeq + 1, !state.sealingFailed && bytes > 0 && (bytes >= limits.segmentBytes || old))
        }
        guard due else { return }
        do {
            try segments.seal(end: end, nextSeq: next)
            state.withLock { $0.activeSince = nil }
            sealsInput.yield()
        } catch {
            let report = state.withLock { state in
                state.sealingFailed = true
                return state.storageReport
            }
            report?("\(path): could not seal the active segment (\(error)); it grows until a restart")
        }
    }

    /// A failed write or sync poisons the log: every pending append fails, the file is cut
    /// back to its last committed line, and later appends are refused.
    func fail(_ batch: [Pending], _ error: LogError) {
        let failure: LogError
        if case .full = error { failure = error } else { failure = .failed(path: path, reason: error.description) }
        let (rest, endOffset) = state.withLock { state in
            state.failure = failure
            troubled.store(true, ordering: .releasing)
            state.nextSeq = state.committedSeq + 1
            state.pendingBytes = 0
            defer { state.pending = [] }
            return (state.pending, state.endOffset)
        }
        try? segments.truncate(to: endOffset)
        for pending in batch + rest { pending.continuation?.resume(throwing: failure) }
        // Nothing will be committed again: whoever waits for a commit is told now.
        let waiters = state.withLock { state in
            defer { state.waiters = [:] }
            return state.waiters.values.map(\.continuation)
        }
        waiters.forEach { $0.resume() }
    }
}
