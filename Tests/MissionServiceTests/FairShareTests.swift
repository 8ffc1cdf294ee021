import Testing
@testable import MissionService

/// CONTRACT §9: keys take turns among equal priorities, and a key runs at most `maxPerKey`.
@Suite struct FairShareTests {
    static func drain(_ fair: inout FairShare, stopping: Bool = true) -> [String] {
        var order: [String] = []
        while let next = fair.next(isLive: { _ in true }) {
            order.append(next.missionID)
            if stopping { fair.stopped(next.key) }
        }
        return order
    }

    @Test func a_lone_mission_of_another_key_starts_within_one_turn_of_a_burst() {
        var fair = FairShare(maxPerKey: 1)
        for n in 0..<10_000 { fair.insert("a\(n)", priority: 0, order: UInt64(n), key: "A") }
        fair.insert("b", priority: 0, order: 10_000, key: "B")
        let order = Self.drain(&fair)
        #expect(order.count == 10_001)
        #expect(order.firstIndex(of: "b")! <= 1)
        // Within a key, first come first served.
        #expect(order.filter { $0.hasPrefix("a") } == (0..<10_000).map { "a\($0)" })
    }

    @Test func keys_alternate_and_missions_without_a_key_are_one_group() {
        var fair = FairShare(maxPerKey: 5)
        for n in 0..<3 {
            fair.insert("a\(n)", priority: 0, order: UInt64(n), key: "A")
            fair.insert("b\(n)", priority: 0, order: UInt64(10 + n), key: "B")
            fair.insert("u\(n)", priority: 0, order: UInt64(20 + n), key: FairShare.unkeyed)
        }
        let order = Self.drain(&fair)
        // Each round, every group once (in the order they were first served or, new, as they came).
        for round in 0..<3 {
            #expect(Set(order[(round * 3)..<(round * 3 + 3)]) == ["a\(round)", "b\(round)", "u\(round)"], "\(order)")
        }
    }

    @Test func priority_comes_before_turns() {
        var fair = FairShare(maxPerKey: 1)
        fair.insert("a-low", priority: 0, order: 1, key: "A")
        fair.insert("b-high", priority: 5, order: 2, key: "B")
        fair.insert("b-high2", priority: 5, order: 3, key: "B")
        #expect(Self.drain(&fair) == ["b-high", "b-high2", "a-low"])
    }

    @Test func a_key_at_its_limit_gets_no_turn_until_one_of_it_stops() {
        var fair = FairShare(maxPerKey: 2)
        for n in 0..<4 { fair.insert("a\(n)", priority: 0, order: UInt64(n), key: "A") }
        for n in 0..<3 { fair.insert("u\(n)", priority: 0, order: UInt64(10 + n), key: FairShare.unkeyed) }
        // Nobody stops: A gets two, the unkeyed group all of its own.
        let started = Self.drain(&fair, stopping: false)
        #expect(started.filter { $0.hasPrefix("a") } == ["a0", "a1"])
        #expect(started.filter { $0.hasPrefix("u") } == ["u0", "u1", "u2"])
        #expect(!fair.hasRoom("A") && fair.hasRoom(FairShare.unkeyed))
        fair.stopped("A")
        #expect(fair.next(isLive: { _ in true })?.missionID == "a2")
        #expect(fair.next(isLive: { _ in true }) == nil)
    }

    @Test func entries_no_longer_live_are_dropped_when_met() {
        var fair = FairShare(maxPerKey: 1)
        fair.insert("gone", priority: 0, order: 1, key: "A")
        fair.insert("kept", priority: 0, order: 2, key: "A")
        let next = fair.next(isLive: { $0.missionID != "gone" })
        #expect(next?.missionID == "kept")
    }
}
