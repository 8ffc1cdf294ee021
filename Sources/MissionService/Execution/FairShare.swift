import MissionModel

/// The order in which runnable missions start (CONTRACT §9). Higher priority first. Among equal
/// priorities the groups take turns: one group per `concurrency_key`, and one for all missions
/// without a key. So a burst under one key delays another key's mission by one turn at most.
/// Within a group, first come first served. A keyed group with `maxPerKey` missions running
/// gets no turn until one of them stops.
///
/// While no mission has a key (the common case), the missions without one are a plain heap,
/// and nothing else is done. Otherwise each group holds its missions in a heap; a heap of
/// tickets, one per group that may take a turn, picks the group: the best head priority, then the group served longest ago. A ticket
/// stands for its group as the group was at one version. A change to the group's head, its
/// turn or its room to run makes a new ticket, and the old one is dropped when met. So a pick
/// costs a few heap operations, whatever the number of keys.
struct FairShare {
    struct Entry: HeapRanked {
        /// Higher priority first, then first come first served.
        struct Rank: Comparable {
            var priority: Int
            var order: UInt64

            static func < (a: Rank, b: Rank) -> Bool {
                a.priority != b.priority ? a.priority > b.priority : a.order < b.order
            }
        }

        /// Only the id: the mission's item is the queue's, and a smaller entry sifts faster.
        var missionID: String
        var rank: Rank
        var order: UInt64 { rank.order }
    }

    fileprivate struct Group {
        var entries = PriorityHeap<Entry>()
        var lastTurn: UInt64 = 0
        var running = 0
        var version: UInt64 = 0
    }

    private struct Ticket: HeapRanked {
        struct Rank: Comparable {
            var priority: Int
            var lastTurn: UInt64
            var sequence: UInt64

            static func < (a: Rank, b: Rank) -> Bool {
                if a.priority != b.priority { return a.priority > b.priority }
                return a.lastTurn != b.lastTurn ? a.lastTurn < b.lastTurn : a.sequence < b.sequence
            }
        }

        var key: String
        var version: UInt64
        var rank: Rank
    }

    /// The group of missions without a `concurrency_key`: no limit on how many run.
    static let unkeyed = ""

    let maxPerKey: Int
    /// The missions without a key.
    private var unkeyed = Group()
    /// The keyed groups; while there are none, `unkeyed` is served alone, without tickets.
    private var groups: [String: Group] = [:]
    private var tickets = PriorityHeap<Ticket>()
    private var turn: UInt64 = 0
    private var ticketSequence: UInt64 = 0

    init(maxPerKey: Int) {
        self.maxPerKey = max(maxPerKey, 1)
    }

    /// Whether a mission of group `key` may start now, by the group's limit.
    func hasRoom(_ key: String) -> Bool {
        key.isEmpty || (groups[key]?.running ?? 0) < maxPerKey
    }

    mutating func insert(_ missionID: String, priority: Int, order: UInt64, key: String) {
        let entry = Entry(missionID: missionID, rank: Entry.Rank(priority: priority, order: order))
        if key.isEmpty {
            if unkeyed.insert(entry), !groups.isEmpty { renewUnkeyedTicket() }
            return
        }
        let wasAlone = groups.isEmpty
        if groups[key, default: Group()].insert(entry) { renewTicket(key) }
        // The first keyed group: from now on the missions without a key take turns too.
        if wasAlone { renewUnkeyedTicket() }
    }

    /// The next mission to start, its group counted as running one more; `isLive` drops
    /// entries the queue no longer holds runnable (cancelled, held back, queued again).
    mutating func next(isLive: (Entry) -> Bool) -> (missionID: String, key: String)? {
        if groups.isEmpty {
            while let head = unkeyed.entries.popMin() {
                if isLive(head) { return (head.missionID, Self.unkeyed) }
            }
            return nil
        }
        while let ticket = tickets.popMin() {
            if ticket.key.isEmpty {
                guard unkeyed.version == ticket.version else { continue }
                var found: Entry?
                while let head = unkeyed.entries.popMin() {
                    if isLive(head) {
                        found = head
                        break
                    }
                }
                turn += 1
                unkeyed.lastTurn = turn
                renewUnkeyedTicket()
                if let found { return (found.missionID, Self.unkeyed) }
                continue
            }
            guard groups[ticket.key]?.version == ticket.version else { continue }
            var found: Entry?
            while let head = groups[ticket.key]!.entries.popMin() {
                if isLive(head) {
                    found = head
                    break
                }
            }
            turn += 1
            groups[ticket.key]!.lastTurn = turn
            if found != nil, !ticket.key.isEmpty { groups[ticket.key]!.running += 1 }
            renewTicket(ticket.key)
            if let found { return (found.missionID, ticket.key) }
        }
        return nil
    }

    /// A mission of group `key` started without a turn (handed straight to a waiting worker,
    /// which only happens when nothing else could start).
    mutating func started(_ key: String) {
        // The unkeyed group has no limit: what runs of it changes nothing (the common case,
        // kept to no work at all).
        guard !key.isEmpty else { return }
        groups[key, default: Group()].running += 1
        renewTicket(key)
    }

    /// A running mission of group `key` stopped: its group may take a turn again.
    mutating func stopped(_ key: String) {
        guard !key.isEmpty, groups[key] != nil else { return }
        groups[key]!.running -= 1
        renewTicket(key)
    }

    /// Replaces `key`'s ticket after a change: a new version, and a ticket if the group has
    /// missions and room to run one; a group with neither is dropped (keys come and go).
    private mutating func renewTicket(_ key: String) {
        guard let index = groups.index(forKey: key) else { return }
        if groups.values[index].entries.isEmpty && groups.values[index].running <= 0 {
            groups.remove(at: index)
            // The last keyed group: the missions without a key are served alone again.
            if groups.isEmpty { tickets = PriorityHeap() }
            return
        }
        groups.values[index].version += 1
        let group = groups.values[index]
        if let head = group.entries.peek(), key.isEmpty || group.running < maxPerKey {
            ticketSequence += 1
            tickets.insert(Ticket(key: key, version: group.version,
                                  rank: Ticket.Rank(priority: head.rank.priority, lastTurn: group.lastTurn, sequence: ticketSequence)))
        }
    }
}

extension FairShare {
    /// `renewTicket` for the group of missions without a key.
    private mutating func renewUnkeyedTicket() {
        unkeyed.version += 1
        guard let head = unkeyed.entries.peek() else { return }
        ticketSequence += 1
        tickets.insert(Ticket(key: Self.unkeyed, version: unkeyed.version,
                              rank: Ticket.Rank(priority: head.rank.priority, lastTurn: unkeyed.lastTurn, sequence: ticketSequence)))
    }
}

extension FairShare.Group {
    /// Adds `entry`; true when it became the group's head.
    fileprivate mutating func insert(_ entry: FairShare.Entry) -> Bool {
        let head = entries.peek()?.rank
        entries.insert(entry)
        return head.map { entry.rank < $0 } ?? true
    }
}
