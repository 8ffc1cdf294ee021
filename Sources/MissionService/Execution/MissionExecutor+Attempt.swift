import MissionModel
import MissionStore
extension MissionExecutor {
    /// How one supervised attempt ended.
    enum AttemptEnd: Sendable {
        case finished(ExecutionResult)
        case failed(ToolError)
        /// Cancelled, shut down, or past `max_duration_seconds` (`.timeout`).
        case stopped(StopReason)

        /// A tool's throw: a tool that ran out of its mission's time ended the same way as one
        /// whose deadline the executor fired, whichever layer noticed first.
        static func thrown(_ error: any Error) -> AttemptEnd {
            guard let failure = error as? ToolError else { return .failed(ToolError(String(describing: error))) }
            return failure.kind == .outOfTime ? .stopped(.timeout) : .failed(failure)
        }
    }

    nonisolated func execute(_ lease: ExecutionQueue.Lease) async {
        let id = lease.item.missionID
        if let leases, await !admit(lease, under: leases) { return }
        let objective: Objective, constraints: Constraints, attempt: Int
        switch store.board.nextAttempt(of: id, now: configuration.now()) {
        case .run(let what, let within, let number):
            (objective, constraints, attempt) = (what, within, number)
        case .waits(let queuePaused):
            await holdBack(id, queuePaused: queuePaused)
            return
        case nil:
            // Cancelled (or never created) between being queued and being taken.
            await leave(id)
            return
        }
        guard attempt <= constraints.maxAttempts else {
            // Only a log from before interruptions handed their attempt back can hold this.
            let failure = ExecutionResult(success: false, finalAnswer: "", toolsUsed: [objective.type],
                                          error: "no attempt left: \(attempt - 1) of \(constraints.maxAttempts) used")
            try? await record(id, .status(StatusUpdate(status: .failed, reason: "execution_failed", attempt: attempt - 1,
                                                       completedAt: configuration.now(), executionResult: failure)))
            await leave(id)
            return
        }
        let tool = tools.tool(for: objective.type)
        let start = MissionEvent(timestamp: configuration.now(), missionID: id,
                                 body: .status(StatusUpdate(status: .active, reason: "execution_started", attempt: attempt)))
        // An inline tool's start and events go to the log with its last record, in one append
        // instead of one each: nobody waits for their sync in between anyway.
        let held = (tool?.returnsPromptly ?? false) ? Locked([start]) : nil
        if held == nil {
            do {
                // In cluster mode the start is durable first for every tool that is not inline:
                // its sync also makes this node's lease claim durable (see PostgresLeases).
                if tool?.actsOutsideProcess ?? false || leases != nil {
                    try await store.append([start])
                } else {
                    try await store.enqueue([start])
                }
            } catch {
                configuration.report("mission \(id): could not record its start, left queued: \(error)")
                await leave(id)
                return
            }
        }
        let started = ContinuousClock.now
        let end: AttemptEnd
        if let tool {
            let request = ToolRequest(missionID: id, objective: objective, constraints: constraints, attempt: attempt)
            end = await supervise(tool, request, signal: lease.signal, limit: constraints.maxDurationSeconds, holding: held)
        } else {
            end = .finished(ExecutionResult(success: false, finalAnswer: "", toolsUsed: [],
                                            error: "no tool for objective type '\(objective.type)'; this process runs: \(tools.names.joined(separator: ", "))"))
        }
        let elapsed = ContinuousClock.now - started
        let durationMs = elapsed.milliseconds
        do {
            try await conclude(id, attempt: attempt, end: end, constraints: constraints, toolName: objective.type, durationMs: durationMs,
                               after: held?.withLock { $0 } ?? [])
        } catch {
            configuration.report("mission \(id): could not record the end of attempt \(attempt): \(error)")
            // Still end the mission in the log if it takes any record at all: a small failure.
            let failure = ExecutionResult(success: false, finalAnswer: "", toolsUsed: [objective.type],
                                          error: "the result of attempt \(attempt) could not be recorded: \(String(describing: error).prefix(500))")
            try? await record(id, .status(StatusUpdate(status: .failed, reason: "execution_failed", attempt: attempt,
                                                       completedAt: configuration.now(), executionResult: failure)))
            await leave(id)
        }
    }

    /// Runs the tool as the one child of a group while this task waits on the stop signal,
    /// which `cancel`, shutdown or the attempt's deadline fires and the tool's return
    /// releases: whichever comes first decides. A stop cancels the tool and waits for it to
    /// wind down. (A second child that waited on the signal cost a task per attempt.) A tool
    /// that returns promptly runs inline instead (`MissionTool.returnsPromptly`); its events
    /// join `held`, which the attempt's last record takes to the log.
    nonisolated func supervise(_ tool: any MissionTool, _ request: ToolRequest, signal: CancellationSignal,
                               limit: Double, holding held: Locked<[MissionEvent]>? = nil) async -> AttemptEnd {
        // Synced with the attempt's end (or a later record): nobody sees them before the sync.
        let events = ToolEvents { [store, now = configuration.now] body in
            let event = MissionEvent(timestamp: now(), missionID: request.missionID, body: body)
            if let held {
                held.withLock { $0.append(event) }
            } else {
                try await store.enqueue([event])
            }
        }
        if tool.returnsPromptly {
            // Inline: a child task, a deadline and a wait on the signal would cost more than
            // the tool. A stop fired before the return still wins, as it would supervised.
            let end: AttemptEnd
            do {
                end = .finished(try await tool.run(request, events: events))
            } catch {
                // As supervised: only cancellation of the executor itself stops it so.
                end = Task.isCancelled ? .stopped(.shutdown) : .thrown(error)
            }
            return signal.release().map(AttemptEnd.stopped) ?? end
        }
        let deadline = deadlines.add(.now + .seconds(limit)) { signal.fire(.timeout) }
        defer { deadlines.remove(deadline) }
        return await withTaskGroup(of: AttemptEnd?.self) { group in
            group.addTask {
                defer { signal.release() }
                do {
                    return .finished(try await tool.run(request, events: events))
                } catch {
                    return Task.isCancelled ? nil : .thrown(error)
                }
            }
            let stop = await signal.wait()
            if stop != nil { group.cancelAll() }
            let end = await group.next() ?? nil
            if let stop { return .stopped(stop) }
            // Only cancellation of the executor itself leaves the tool without an answer.
            return end ?? .stopped(.shutdown)
        }
    }

    /// `held`: the attempt's records not yet in the log (an inline tool's start and events),
    /// written before its end.
    nonisolated func conclude(_ id: String, attempt: Int, end: AttemptEnd, constraints: Constraints,
                              toolName: String, durationMs: Int, after held: [MissionEvent] = []) async throws {
        let now = configuration.now()
        // A finished attempt's last record takes them along; any other end writes them first.
        let leading: [MissionEvent]
        if case .finished = end {
            leading = held
        } else {
            if !held.isEmpty { try await store.enqueue(held) }
            leading = []
        }
        func terminal(_ status: MissionStatus, _ reason: String, _ result: ExecutionResult) async throws {
            try await record(id, .status(StatusUpdate(status: status, reason: reason, attempt: attempt,
                                                      completedAt: now, executionResult: result)))
        }
        func executedSignal(_ success: Bool, _ toolsUsed: [String]) -> JSONObject {
            ["success": .bool(success), "duration_ms": .int(durationMs), "tools_used": .strings(toolsUsed), "attempt": .int(attempt)]
        }
        func executed(_ success: Bool, _ toolsUsed: [String]) {
            emit(.missionExecuted, id, executedSignal(success, toolsUsed))
        }
        /// The mission's last record: the worker does not wait for its sync (see `recordLast`).
        func last(_ status: MissionStatus, _ reason: String, _ result: ExecutionResult) async throws {
            try await recordLast(id, .status(StatusUpdate(status: status, reason: reason, attempt: attempt, completedAt: now, executionResult: result)),
                                 after: leading, then: Settlement.Signal(type: .missionExecuted, fields: executedSignal(result.success, result.toolsUsed)))
        }
        switch end {
        case .finished(let finished):
            let result = finished.clipped()
            try await last(result.success ? .completed : .failed, result.success ? "execution_finished" : "execution_failed", result)
        case .failed, .stopped(.timeout):
            let (reason, message): (String, String)
            var failure: ToolError?
            if case .failed(let error) = end {
                failure = error
                (reason, message) = ("execution_failed", ExecutionResult.clip(error.message, ExecutionResult.maxTextBytes))
            } else {
                (reason, message) = ("timeout", "attempt \(attempt) ran past max_duration_seconds (\(JSONWriter.string(.double(constraints.maxDurationSeconds))) s) and was cancelled")
            }
            // A permanent failure fails the same way again: no attempt is spent on it.
            if attempt < constraints.maxAttempts, failure?.kind != .permanent {
                var delay = configuration.retry.delay(afterAttempt: attempt, jitter: configuration.jitter())
                if let asked = failure?.retryAfter { delay = max(delay, min(asked, configuration.retry.maxDelay)) }
                let delayMs = delay.milliseconds
                try await record(id, .status(StatusUpdate(status: .queued, reason: "retry_scheduled", attempt: attempt, error: message)))
                await queue.parkForRetry(id)
                scheduleRetry(id, after: delay)
                executed(false, [toolName])
                emit(.missionRetried, id, ["attempt": .int(attempt), "error": .string(message), "retry_in_ms": .int(delayMs)])
            } else {
                try await last(.failed, reason, ExecutionResult(success: false, finalAnswer: "", toolsUsed: [toolName], error: message))
            }
        case .stopped(.user):
            try await terminal(.cancelled, "cancelled_by_user",
                               ExecutionResult(success: false, finalAnswer: "", toolsUsed: [toolName], error: "cancelled by user during attempt \(attempt)"))
            await leave(id)
            emit(.missionCancelled, id, ["while": .string("active"), "attempt": .int(attempt)])
        case .stopped(.superseded):
            await leave(id)
        case .stopped(.shutdown):
            try await record(id, .status(StatusUpdate(status: .queued, reason: "interrupted", attempt: attempt,
                                                      error: "the service shut down during attempt \(attempt); it runs again after restart")))
            await leave(id)
        }
    }

    nonisolated func record(_ id: String, _ body: MissionEvent.Body) async throws {
        try await store.append([MissionEvent(timestamp: configuration.now(), missionID: id, body: body)])
    }

    /// Signals are the service's learning data, not its state: a failure to write one is
    /// reported, never allowed to fail the mission.
    nonisolated func emit(_ type: SignalLog.SignalType, _ id: String, _ fields: JSONObject) {
        emit([(type, id, fields)])
    }

    /// Several signals in one append, in order.
    nonisolated func emit(_ batch: [(type: SignalLog.SignalType, missionID: String, fields: JSONObject)]) {
        guard !batch.isEmpty else { return }
        let now = configuration.now()
        do {
            try signals.emit(batch.map { SignalLog.Signal(type: $0.type, missionID: $0.missionID, at: now, fields: $0.fields) })
        } catch {
            for signal in batch {
                configuration.report("signal \(signal.type.rawValue) for \(signal.missionID) not recorded: \(error)")
            }
        }
    }
}
