import MissionModel
import Glibc

/// A connection's outbound frames, bounded in bytes, and the rule that only one write is ever
/// in progress on its socket, so frames never interleave.
///
/// Producers that can wait (room followers catching up from the log) wait for room; replies to
/// the client's own requests never wait. The hub *offers* live events: written on the spot
/// when nothing is queued or being written (one non-blocking `send`, no task to wake), queued
/// if there is room, refused when full. The writer task takes whatever is queued, in order.
final class OutboundQueue: Sendable {
    struct State {
        var frames: [[UInt8]] = []
        var head = 0
        var bytes = 0
        var closed = false
        /// A write is in progress (the writer's or an offer's).
        var busy = false
        var writer: CheckedContinuation<Void, Never>?
        var waitingForRoom: [CheckedContinuation<Bool, Never>] = []

        var isEmpty: Bool { head == frames.count }

        let capacity: Int

        /// An empty queue always has room, so that any one frame can pass.
        func hasRoom(for count: Int) -> Bool { bytes == 0 || bytes + count <= capacity }

        mutating func append(_ frame: [UInt8]) {
            frames.append(frame)
            bytes += frame.count
        }

        /// The writer, if it waits and there is something for it to do now.
        mutating func writerToWake() -> CheckedContinuation<Void, Never>? {
            guard !busy, !isEmpty || closed, let writer else { return nil }
            self.writer = nil
            return writer
        }
    }

    enum Offer {
        case sent, queued, full, closed
    }

    let capacity: Int
    /// The socket offers write to directly.
    private let fd: Int32
    private let state: Locked<State>

    init(capacity: Int, fd: Int32) {
        self.capacity = capacity
        self.fd = fd
        state = Locked(State(capacity: capacity))
    }

    /// Queues a frame now, whatever the fill (replies, pongs, close). False once closed.
    @discardableResult
    func push(_ frame: [UInt8]) -> Bool {
        let (writer, accepted) = state.withLock { state -> (CheckedContinuation<Void, Never>?, Bool) in
            guard !state.closed else { return (nil, false) }
            state.append(frame)
            return (state.writerToWake(), true)
        }
        writer?.resume()
        return accepted
    }

    /// Queues a frame once there is room for it (an empty queue always has room). False once closed.
    func pushWhenRoom(_ frame: [UInt8]) async -> Bool {
        while true {
            let room = state.withLock { state in state.closed || state.hasRoom(for: frame.count) }
            if room { return push(frame) }
            let open = await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state -> Bool? in
                    if state.closed { return false }
                    if state.hasRoom(for: frame.count) { return true }
                    state.waitingForRoom.append(continuation)
                    return nil
                }
                if let resumeNow { continuation.resume(returning: resumeNow) }
            }
            if !open { return false }
        }
    }

    /// A live event: written at once if the socket is free, else queued if there is room.
    func offer(_ frame: [UInt8]) -> Offer {
        let claimed = state.withLock { state -> Offer? in
            if state.closed { return .closed }
            if !state.busy && state.isEmpty {
                state.busy = true
                return nil
            }
            guard state.hasRoom(for: frame.count) else { return .full }
            state.append(frame)
            return .queued
        }
        if let claimed {
            if claimed == .queued { wakeWriter() }
            return claimed
        }
        let sent = frame.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        let writer = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.busy = false
            if sent < frame.count {
                // The rest (all of it after EAGAIN or an error) goes first; the writer finishes it
                // under its deadline, or meets the error itself.
                let rest = sent > 0 ? Array(frame[sent...]) : frame
                state.frames.insert(rest, at: state.head)
                state.bytes += rest.count
            }
            return state.writerToWake()
        }
        writer?.resume()
        return sent == frame.count ? .sent : .queued
    }

    private func wakeWriter() {
        state.withLock { $0.writerToWake() }?.resume()
    }

    /// The writer's next frame (the socket is then busy until `finishedWrite`); nil once closed
    /// and empty.
    func next() async -> [UInt8]? {
        while true {
            let (taken, roomWaiters) = state.withLock { state -> ([UInt8]??, [CheckedContinuation<Bool, Never>]) in
                if !state.busy && !state.isEmpty {
                    let frame = state.frames[state.head]
                    state.head += 1
                    state.bytes -= frame.count
                    if state.isEmpty {
                        state.frames.removeAll(keepingCapacity: true)
                        state.head = 0
                    }
                    state.busy = true
                    defer { state.waitingForRoom = [] }
                    return (.some(frame), state.waitingForRoom)
                }
                if state.closed && !state.busy && state.isEmpty { return (.some(nil), []) }
                return (nil, [])
            }
            roomWaiters.forEach { $0.resume(returning: true) }
            if let taken { return taken }
            await withCheckedContinuation { continuation in
                let ready = state.withLock { state -> Bool in
                    if !state.busy && (!state.isEmpty || state.closed) { return true }
                    state.writer = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
        }
    }

    /// The writer is done with the frame `next` gave it.
    func finishedWrite() {
        state.withLock { $0.busy = false }
    }

    /// No more frames are accepted; the writer gets what is queued, then nil. Waiting producers
    /// are released.
    func close() {
        let (writer, waiters) = state.withLock { state -> (CheckedContinuation<Void, Never>?, [CheckedContinuation<Bool, Never>]) in
            state.closed = true
            defer { state.waitingForRoom = [] }
            return (state.writerToWake(), state.waitingForRoom)
        }
        writer?.resume()
        waiters.forEach { $0.resume(returning: false) }
    }
}
