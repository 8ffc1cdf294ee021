import MissionModel
extension MissionBoard {
    /// Slots looked at per hold of the lock the writer folds under: a pass over a million
    /// missions lets commits through between pieces instead of stalling them for its length.
    static let retentionChunk = 4096

    /// What retention needs from the view (CONTRACT §10), read a piece at a time. Missions
    /// created meanwhile are later than any seq the caller read before calling, so the caller
    /// keeps them by never dropping past that seq; a mission that ends meanwhile may count as
    /// open, which only keeps more.
    public func retentionFacts() -> RetentionPlan.Facts {
        var facts = RetentionPlan.Facts()
        forEachSlotInPieces { _, slot in
            // Records of a mission whose creation already went hold nothing back.
            guard !slot.forgotten, slot.board.objective != nil, let first = slot.board.timeline.first?.seq else { return }
            if slot.board.status.isTerminal {
                let ended = slot.board.endTime ?? slot.board.updatedAt ?? slot.board.createdAt ?? Timestamp(millisecondsSinceEpoch: 0)
                facts.ended.append((ended.millisecondsSinceEpoch, first, slot.board.missionID))
            } else {
                facts.openFirstSeq = min(facts.openFirstSeq, first)
                for dependency in slot.board.after { facts.neededByOpen.insert(dependency) }
            }
        }
        state.withLock { state in
            for schedule in state.schedules.values where schedule.seq > 0 { facts.openFirstSeq = min(facts.openFirstSeq, schedule.seq) }
            if let paused = state.queuePausedSeq { facts.openFirstSeq = min(facts.openFirstSeq, paused) }
        }
        return facts
    }

    /// Lets go of every mission whose first record is before `seq` (their records were
    /// dropped), with what indexes them: a piece at a time (see `retentionChunk`), then one
    /// pass over pointers that takes them out of `order`. The next checkpoint writes every
    /// board again. Returns how many went.
    @discardableResult
    public func forget(before seq: Int) -> Int {
        var gone = 0
        // Each session's list is filtered once, however many of its missions go.
        var goneBySession: [String: Set<String>] = [:]
        forEachSlotInPieces { state, slot in
            guard !slot.forgotten, (slot.board.timeline.first?.seq ?? 0) < seq,
                  slot.board.status.isTerminal || slot.board.objective == nil else { return }
            slot.forgotten = true
            gone += 1
            let id = slot.board.missionID
            state.boards[id] = nil
            if slot.board.objective != nil { state.counts[slot.board.status, default: 0] -= 1 }
            if let key = slot.board.idempotencyKey, state.idempotency[key]?.missionID == id { state.idempotency[key] = nil }
            if let session = slot.board.source?.sessionID { goneBySession[session, default: []].insert(id) }
            if !state.dependents.isEmpty { state.dependents[id] = nil }
        }
        guard gone > 0 else { return 0 }
        // The boards let go are freed after the lock is released: a million of them take long.
        var graveyard: [Slot] = []
        graveyard.reserveCapacity(gone)
        state.withLock { state in
            var kept = 0
            for index in state.order.indices {
                let slot = state.order[index]
                if slot.forgotten {
                    graveyard.append(slot)
                    continue
                }
                slot.position = kept
                state.order[kept] = slot
                kept += 1
            }
            state.order.removeLast(state.order.count - kept)
            for (session, ids) in goneBySession {
                let left = state.sessions[session]?.filter { !ids.contains($0) } ?? []
                state.sessions[session] = left.isEmpty ? nil : left
            }
            state.checkpointLayout = nil
        }
        graveyard.removeAll()
        return gone
    }

    /// Calls `body` with each slot there was when it began, `retentionChunk` of them per hold
    /// of the lock. Only retention takes slots out of `order` (one pass at a time), so the
    /// indices stay good between pieces.
    private func forEachSlotInPieces(_ body: (inout State, Slot) -> Void) {
        let count = state.withLock { $0.order.count }
        var start = 0
        while start < count {
            let end = min(count, start + Self.retentionChunk)
            state.withLock { state in
                for index in start..<end {
                    let slot = state.order[index]
                    body(&state, slot)
                }
            }
            start = end
        }
    }
}
