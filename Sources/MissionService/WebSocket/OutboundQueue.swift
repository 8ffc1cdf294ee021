/// A connection's outbound frames, bounded in bytes. Producers that can wait (room followers)
/// wait for room, so a client that reads slowly holds back only its own followers, which later
/// catch up from the log; replies to the client's own requests never wait. The writer takes
/// frames in order.
final class OutboundQueue: Sendable {
    struct State {
        var frames: [[UInt8]] = []
        var head = 0
        var bytes = 0
        var closed = false
        var reader: CheckedContinuation<[UInt8]?, Never>?
        var waitingForRoom: [CheckedContinuation<Bool, Never>] = []
    }

    let capacity: Int
    private let state = Locked(State())

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// Queues a frame now, whatever the fill (replies, pongs, close). False once closed.
    @discardableResult
    func push(_ frame: [UInt8]) -> Bool {
        let (reader, accepted) = state.withLock { state -> (CheckedContinuation<[UInt8]?, Never>?, Bool) in
            guard !state.closed else { return (nil, false) }
            if let reader = state.reader {
                state.reader = nil
                return (reader, true)
            }
            state.frames.append(frame)
            state.bytes += frame.count
            return (nil, true)
        }
        reader?.resume(returning: frame)
        return accepted
    }

    /// Queues a frame once there is room for it (an empty queue always has room). False once closed.
    func pushWhenRoom(_ frame: [UInt8]) async -> Bool {
        while true {
            let room = state.withLock { state in state.closed || state.bytes == 0 || state.bytes + frame.count <= capacity }
            if room { return push(frame) }
            let open = await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state -> Bool? in
                    if state.closed { return false }
                    if state.bytes == 0 || state.bytes + frame.count <= capacity { return true }
                    state.waitingForRoom.append(continuation)
                    return nil
                }
                if let resumeNow { continuation.resume(returning: resumeNow) }
            }
            if !open { return false }
        }
    }

    /// The next frame; nil once closed and empty.
    func next() async -> [UInt8]? {
        let (frame, waiters) = state.withLock { state -> ([UInt8]??, [CheckedContinuation<Bool, Never>]) in
            guard state.head < state.frames.count else { return (state.closed ? .some(nil) : nil, []) }
            let frame = state.frames[state.head]
            state.head += 1
            state.bytes -= frame.count
            if state.head == state.frames.count {
                state.frames.removeAll(keepingCapacity: true)
                state.head = 0
            }
            defer { state.waitingForRoom = [] }
            return (.some(frame), state.waitingForRoom)
        }
        waiters.forEach { $0.resume(returning: true) }
        if let frame { return frame }
        return await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> [UInt8]?? in
                if state.head < state.frames.count {
                    let frame = state.frames[state.head]
                    state.head += 1
                    state.bytes -= frame.count
                    return .some(frame)
                }
                if state.closed { return .some(nil) }
                state.reader = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    /// Bytes queued and not yet taken by the writer.
    var queuedBytes: Int { state.withLock { $0.bytes } }

    /// No more frames are accepted; the writer gets what is queued, then nil. Waiting producers
    /// are released.
    func close() {
        let (reader, waiters) = state.withLock { state -> (CheckedContinuation<[UInt8]?, Never>?, [CheckedContinuation<Bool, Never>]) in
            state.closed = true
            defer {
                state.reader = nil
                state.waitingForRoom = []
            }
            return (state.head < state.frames.count ? nil : state.reader, state.waitingForRoom)
        }
        reader?.resume(returning: nil)
        waiters.forEach { $0.resume(returning: false) }
    }
}
