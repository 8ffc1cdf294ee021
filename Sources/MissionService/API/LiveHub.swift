import MissionModel
import MissionStore
import Foundation

/// Fan-out of one log to the subscribers that are caught up: one follower reads each record
/// once, encodes its event once per room, and queues it for every subscriber of that room
/// whose queue has room. A subscriber whose queue is full is *detached*: it goes back to
/// reading the log on its own from the last record it got, at its client's pace, and joins
/// again once it has caught up. So nobody waits for the slowest, and nobody misses a record.
final class LiveHub: Sendable {
    /// One room subscription of one connection, as the hub sees it.
    final class Subscription: Sendable {
        struct State {
            /// Seq of the last record queued for the client (or skipped as not of its room).
            var position: Int
            var detached: CancellationSignal?
        }

        let room: LiveRoom
        let outbound: OutboundQueue
        let state: Locked<State>

        init(room: LiveRoom, outbound: OutboundQueue, position: Int) {
            self.room = room
            self.outbound = outbound
            state = Locked(State(position: position))
        }

        var position: Int { state.withLock { $0.position } }
    }

    struct State {
        /// The seq of the last record handed out; a subscriber may join once it is there.
        var cursor: Int
        var rooms: [LiveRoom: [ObjectIdentifier: Subscription]] = [:]
    }

    let log: any RecordLog
    let metrics: LiveMetrics
    private let state: Locked<State>

    init(log: any RecordLog, metrics: LiveMetrics) {
        self.log = log
        self.metrics = metrics
        state = Locked(State(cursor: log.lastSeq))
    }

    /// Follows the log until it closes or the task is cancelled.
    func run() async {
        let start = state.withLock { $0.cursor }
        do {
            for try await entry in log.follow(after: start) { await deliver(entry) }
        } catch {
            // The log failed or closed: followers end too.
        }
    }

    /// Above this many subscribers an event is handed out by several tasks at once, so that
    /// every core does its share of the `send`s; each subscriber is still served in seq order,
    /// since one event is done with before the next.
    static let parallelFanOut = 256

    private func deliver(_ entry: LogEntry) async {
        let targets: [Subscription] = state.withLock { state in
            state.cursor = entry.seq
            // Most records reach nobody: no room list is built for them.
            guard !state.rooms.isEmpty else { return [] }
            var targets: [Subscription] = []
            for room in [LiveRoom.missions, .signals] { targets += state.rooms[room]?.values ?? [:].values }
            if let missionID = entry.missionID { targets += state.rooms[.mission(missionID)]?.values ?? [:].values }
            return targets
        }
        guard !targets.isEmpty else { return }
        var frames: [LiveRoom: [UInt8]] = [:]
        for room in Set(targets.map(\.room)) { frames[room] = Self.eventFrame(entry, room: room) }
        let ready = frames
        guard targets.count > Self.parallelFanOut else { return hand(entry, ready, to: targets[...]) }
        let parts = ProcessInfo.processInfo.activeProcessorCount
        let size = (targets.count + parts - 1) / parts
        await withTaskGroup(of: Void.self) { group in
            for start in stride(from: 0, to: targets.count, by: size) {
                let part = targets[start..<min(start + size, targets.count)]
                group.addTask { self.hand(entry, ready, to: part) }
            }
        }
    }

    private func hand(_ entry: LogEntry, _ frames: [LiveRoom: [UInt8]], to subscriptions: ArraySlice<Subscription>) {
        for subscription in subscriptions {
            guard let frame = frames[subscription.room] else { continue }
            let offer = subscription.state.withLock { sub -> OutboundQueue.Offer? in
                guard entry.seq > sub.position else { return nil }
                let offer = subscription.outbound.offer(frame)
                if offer == .sent || offer == .queued { sub.position = entry.seq }
                return offer
            }
            switch offer {
            case .sent?: metrics.sent()
            case .full?: detach(subscription)
            case .queued?, .closed?, nil: break
            }
        }
    }

    /// Adds a caught-up subscription; false when the hub is ahead of it (it reads on first).
    /// Returns the signal fired when it is detached.
    func join(_ subscription: Subscription) -> CancellationSignal? {
        state.withLock { state in
            guard subscription.position >= state.cursor else { return nil }
            let signal = CancellationSignal()
            subscription.state.withLock { $0.detached = signal }
            state.rooms[subscription.room, default: [:]][ObjectIdentifier(subscription)] = subscription
            return signal
        }
    }

    func remove(_ subscription: Subscription) {
        state.withLock { state in
            _ = state.rooms[subscription.room]?.removeValue(forKey: ObjectIdentifier(subscription))
            // An emptied room goes, so that a hub nobody listens to finds no rooms at all.
            if state.rooms[subscription.room]?.isEmpty == true { state.rooms[subscription.room] = nil }
        }
    }

    private func detach(_ subscription: Subscription) {
        remove(subscription)
        subscription.state.withLock { $0.detached }?.fire(.user)
    }

    /// `{"type":"event","room":R,"seq":N,"event":<the line as stored>}` as a text frame.
    static func eventFrame(_ entry: LogEntry, room: LiveRoom) -> [UInt8] {
        var message = Array(#"{"type":"event","room":"#.utf8)
        message += JSONWriter.encode(.string(room.name))
        message += #","seq":"#.utf8
        message += String(entry.seq).utf8
        message += #","event":"#.utf8
        message += entry.line
        message.append(UInt8(ascii: "}"))
        return WebSocketFrameEncoder.encode(.text, message)
    }
}
