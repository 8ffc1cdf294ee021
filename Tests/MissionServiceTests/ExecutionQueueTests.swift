import Testing
@testable import MissionService

func makeItem(_ id: String, priority: Int = 0, key: String? = nil) -> ExecutionQueue.Item {
    ExecutionQueue.Item(missionID: id, priority: priority, dedupKey: key ?? "key-\(id)")
}

@Suite struct ExecutionQueueTests {
    @Test func higher_priority_first_then_first_come_first_served() async {
        let queue = ExecutionQueue()
        for (id, priority) in [("a", 0), ("b", 5), ("c", 0), ("d", 5), ("e", -1), ("f", 9)] {
            #expect(await queue.enqueue(makeItem(id, priority: priority)) == .enqueued)
        }
        var order: [String] = []
        for _ in 0..<6 { order.append(await queue.next()!.item.missionID) }
        #expect(order == ["f", "b", "d", "a", "c", "e"])
    }

    @Test func an_id_is_suppressed_while_queued_or_running_and_free_after_finish() async {
        let queue = ExecutionQueue()
        #expect(await queue.enqueue(makeItem("a")) == .enqueued)
        #expect(await queue.enqueue(makeItem("a")) == .alreadyPresent)
        #expect(await queue.snapshot().queued == 1)
        #expect(await queue.size == 1)
        let lease = await queue.next()!
        #expect(await queue.enqueue(makeItem("a")) == .alreadyPresent)
        #expect(await queue.snapshot() == .init(queued: 0, waitingForRetry: 0, running: 1, runningIDs: ["a"]))
        await queue.finish(lease.item.missionID)
        #expect(await queue.enqueue(makeItem("a")) == .enqueued)
    }

    @Test func content_duplicates_are_reported_with_the_existing_mission() async {
        let queue = ExecutionQueue()
        #expect(await queue.enqueue(makeItem("a", key: "same")) == .enqueued)
        #expect(await queue.enqueue(makeItem("b", key: "same")) == .duplicate(of: "a"))
        _ = await queue.next()
        #expect(await queue.reserve(makeItem("c", key: "same")) == .duplicate(of: "a"))
        await queue.finish("a")
        #expect(await queue.reserve(makeItem("c", key: "same")) == .enqueued)
    }

    @Test func concurrent_identical_reservations_admit_exactly_one() async {
        let queue = ExecutionQueue()
        let results = await withTaskGroup(of: ExecutionQueue.EnqueueResult.self) { group in
            for i in 0..<200 { group.addTask { await queue.reserve(makeItem("m\(i)", key: "same")) } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.filter { $0 == .enqueued }.count == 1)
        #expect(results.filter { if case .duplicate = $0 { return true } else { return false } }.count == 199)
    }

    @Test func past_its_capacity_a_new_mission_is_refused_until_one_stops_waiting() async {
        let queue = ExecutionQueue(capacity: 2)
        #expect(await queue.reserve(makeItem("a")) == .enqueued)
        #expect(await queue.reserve(makeItem("b")) == .enqueued)
        #expect(await queue.reserve(makeItem("c")) == .full(capacity: 2))
        // A duplicate is still answered with its twin: it adds nothing to wait.
        #expect(await queue.reserve(makeItem("d", key: "key-a")) == .duplicate(of: "a"))
        await queue.confirm("a")
        await queue.confirm("b")
        // A running mission no longer waits.
        let lease = await queue.next()
        #expect(lease?.item.missionID == "a")
        #expect(await queue.reserve(makeItem("c")) == .enqueued)
        #expect(await queue.reserve(makeItem("e")) == .full(capacity: 2))
        // Recovered missions are already acknowledged: never refused.
        #expect(await queue.enqueue(makeItem("r")) == .enqueued)
        #expect(await queue.snapshot().queued == 2)
        await queue.abandon("c")
        #expect(await queue.reserve(makeItem("e")) == .full(capacity: 2))
        _ = await queue.cancel("r")
        #expect(await queue.reserve(makeItem("e")) == .enqueued)
    }

    @Test func reserved_missions_run_only_after_confirm() async {
        let queue = ExecutionQueue()
        _ = await queue.reserve(makeItem("a"))
        _ = await queue.reserve(makeItem("b"))
        await queue.abandon("b")
        #expect(await queue.snapshot().queued == 0)
        async let taken = queue.next()
        await queue.confirm("a")
        #expect(await taken?.item.missionID == "a")
        #expect(await queue.contains("b") == false)
    }

    @Test func next_suspends_until_work_arrives() async {
        let queue = ExecutionQueue()
        async let first = queue.next()
        async let second = queue.next()
        await queue.enqueue(makeItem("x"))
        await queue.enqueue(makeItem("y"))
        let ids = Set([await first?.item.missionID, await second?.item.missionID])
        #expect(ids == ["x", "y"])
    }

    @Test func cancel_removes_queued_and_signals_running() async {
        let queue = ExecutionQueue()
        await queue.enqueue(makeItem("a", priority: 1))
        await queue.enqueue(makeItem("b"))
        let lease = await queue.next()!
        #expect(lease.item.missionID == "a")
        #expect(await queue.cancel("b") == .removedFromQueue)
        #expect(await queue.cancel("a") == .signalledRunning)
        #expect(lease.signal.reason == .user)
        #expect(await queue.cancel("zzz") == .notPresent)
        await queue.close()
        #expect(await queue.next() == nil)
    }

    @Test func parked_missions_count_as_present_until_resumed() async {
        let queue = ExecutionQueue()
        await queue.enqueue(makeItem("a", key: "k"))
        _ = await queue.next()
        await queue.parkForRetry("a")
        #expect(await queue.snapshot().waitingForRetry == 1)
        #expect(await queue.enqueue(makeItem("b", key: "k")) == .duplicate(of: "a"))
        await queue.resume("a")
        #expect(await queue.next()?.item.missionID == "a")
    }

    @Test func close_releases_every_waiting_consumer() async {
        let queue = ExecutionQueue()
        async let a = queue.next()
        async let b = queue.next()
        await queue.close()
        #expect(await a == nil)
        #expect(await b == nil)
    }

    @Test func wait_until_idle_returns_when_the_last_running_mission_finishes() async {
        let queue = ExecutionQueue()
        await queue.enqueue(makeItem("a"))
        _ = await queue.next()
        async let idle: Void = queue.waitUntilIdle()
        await queue.finish("a")
        await idle
        #expect(await queue.snapshot().running == 0)
    }

    @Test func a_waiting_mission_is_present_but_not_handed_out_until_released_in_its_place() async {
        let queue = ExecutionQueue(capacity: 3)
        #expect(await queue.enqueue(makeItem("early"), waiting: true) == .enqueued)
        #expect(await queue.enqueue(makeItem("late")) == .enqueued)
        // Present for duplicates and for the capacity.
        #expect(await queue.enqueue(makeItem("other", key: "key-early")) == .duplicate(of: "early"))
        #expect(await queue.snapshot().waiting == 1)
        #expect(await queue.reserve(makeItem("third")) == .enqueued)
        #expect(await queue.reserve(makeItem("fourth")) == .full(capacity: 3))
        await queue.abandon("third")
        #expect(await queue.next()?.item.missionID == "late")
        #expect(await queue.enqueue(makeItem("later")) == .enqueued)
        await queue.release("early")
        // Released, it goes before one that came after it.
        #expect(await queue.next()?.item.missionID == "early")
        #expect(await queue.next()?.item.missionID == "later")
    }

    @Test func gate_holds_back_a_queued_mission_but_not_a_running_one() async {
        let queue = ExecutionQueue()
        await queue.enqueue(makeItem("a"))
        await queue.enqueue(makeItem("b"))
        #expect(await queue.gate("a"))
        #expect(await queue.next()?.item.missionID == "b")
        #expect(await !queue.gate("b"))
        #expect(await !queue.gate("nobody"))
        // Put back after it was handed out: waiting again, and no longer running.
        await queue.putBack("b")
        #expect(await queue.snapshot().running == 0)
        #expect(await queue.snapshot().waiting == 2)
        await queue.release("b")
        #expect(await queue.next()?.item.missionID == "b")
        #expect(await queue.cancel("a") == .removedFromQueue)
    }

    @Test func a_paused_queue_hands_out_nothing_until_resumed() async {
        let queue = ExecutionQueue(paused: true)
        async let first = queue.next()
        while await queue.waitingWorkers == 0 { await Task.yield() }
        // A worker waits; what arrives while paused is not handed to it.
        await queue.enqueue(makeItem("a", priority: 0))
        await queue.enqueue(makeItem("b", priority: 5))
        #expect(await queue.waitingWorkers == 1)
        await queue.resumeAll()
        let lease = await first
        #expect(lease?.item.missionID == "b")
        // Put back during a pause: it keeps its place, not waiting.
        await queue.pauseAll()
        await queue.putBack("b", waiting: false)
        #expect(await queue.snapshot().waiting == 0)
        await queue.resumeAll()
        let again = await queue.next()
        #expect(again?.item.missionID == "b")
        let last = await queue.next()
        #expect(last?.item.missionID == "a")
    }
}

extension ExecutionQueue.Lease: Equatable {
    public static func == (a: Self, b: Self) -> Bool { a.item == b.item }
}
