import MissionModel
import CShim
import Foundation
import Glibc

/// Readiness of descriptors from one dedicated thread blocked in `epoll_wait`, so that tasks
/// wait for a socket without blocking the (two-thread) cooperative pool. A task waits for a
/// descriptor to become ready, with an optional deadline, and is resumed when it is, when the
/// deadline passes, or when the task is cancelled.
///
/// A descriptor is added to epoll once, edge-triggered (as nginx does): no `epoll_ctl` per
/// wait. An edge that comes while nobody waits is kept, and the next wait returns at once. So
/// the rule for callers is the edge-triggered one: wait only after the descriptor said
/// `EAGAIN`, or after a read that drained it (returned less than was asked for).
public final class EventLoop: Sendable {
    public enum Interest: Sendable { case read, write }
    public enum Readiness: Sendable { case ready, timedOut }

    struct Waiter {
        let id: UInt64
        let continuation: CheckedContinuation<Readiness, any Error>
        let deadline: UInt64?
    }

    struct Registration {
        var read: Waiter?
        var write: Waiter?
        var inEpoll = false
        /// Readiness reported while nobody waited for it: an edge is reported only once.
        var readable = false
        var writable = false
        /// The deadline of this descriptor's entry in the timer heap, if it has one: a wait
        /// with a later deadline needs no entry of its own (see `expireTimers`).
        var timer: UInt64?

        enum Arming {
            /// Readiness came while nobody waited: no need to wait.
            case ready
            /// The waiter waits; with the deadline of a timer entry to add, if it needs one.
            case waiting(newTimer: UInt64?)
        }

        mutating func arm(_ interest: Interest, _ waiter: Waiter) -> Arming {
            switch interest {
            case .read:
                precondition(read == nil, "two tasks wait on one descriptor to read")
                if readable { readable = false; return .ready }
                read = waiter
            case .write:
                precondition(write == nil, "two tasks wait on one descriptor to write")
                if writable { writable = false; return .ready }
                write = waiter
            }
            guard let deadline = waiter.deadline, timer.map({ $0 > deadline }) ?? true else { return .waiting(newTimer: nil) }
            timer = deadline
            return .waiting(newTimer: deadline)
        }

        /// The waiters an event wakes; readiness nobody waits for is kept.
        mutating func collect(_ events: UInt32, into ready: inout [(Waiter, Readiness)]) {
            let failed = events & UInt32(CSHIM_EPOLLERR | CSHIM_EPOLLHUP) != 0
            if events & UInt32(CSHIM_EPOLLIN | CSHIM_EPOLLRDHUP) != 0 || failed {
                if let waiter = read {
                    ready.append((waiter, .ready))
                    read = nil
                } else {
                    readable = true
                }
            }
            if events & UInt32(CSHIM_EPOLLOUT) != 0 || failed {
                if let waiter = write {
                    ready.append((waiter, .ready))
                    write = nil
                } else {
                    writable = true
                }
            }
        }
    }

    /// Every descriptor is watched for both directions; a wait picks the one it needs.
    private static let interest = UInt32(CSHIM_EPOLLIN | CSHIM_EPOLLOUT | CSHIM_EPOLLRDHUP)

    struct Timer: HeapRanked {
        let deadline: UInt64
        let fd: Int32
        var rank: UInt64 { deadline }
    }

    struct State {
        var registrations: [Int32: Registration] = [:]
        var timers = PriorityHeap<Timer>()
        var nextID: UInt64 = 0
        /// When the poll thread will wake by itself (nil: only on an event).
        var sleepingUntil: UInt64?
        var stopped = false
        /// Jobs of tasks that prefer this loop as their executor, run between polls.
        var jobs: [UnownedJob] = []
        /// In (or about to enter) `epoll_wait`: a new job must wake it.
        var polling = false
    }

    private let epoll: Int32
    private let wakeFD: Int32
    private let state = Locked(State())
    private let finished = DispatchSemaphore(value: 0)

    public init() throws(SocketError) {
        epoll = cshim_epoll_create()
        guard epoll >= 0 else { throw .system("epoll_create1", errno) }
        wakeFD = cshim_eventfd()
        guard wakeFD >= 0 else {
            let code = errno
            Glibc.close(epoll)
            throw .system("eventfd", code)
        }
        // Level-triggered: readable until the poll thread reads the counter back to zero.
        guard cshim_epoll_watch(epoll, wakeFD, UInt32(CSHIM_EPOLLIN), 0) == 0 else { throw .system("epoll_ctl", errno) }
        NamedThread.start("event-loop") { [self] in pollLoop() }
    }

    /// Monotonic nanoseconds, the clock of every deadline here.
    public static func now() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }

    public static func deadline(after duration: Duration) -> UInt64 {
        return now() + UInt64(max(0, duration.nanoseconds))
    }

    /// Waits until `fd` is ready for `interest` or `deadline` passes. One waiter per descriptor
    /// and interest at a time. Throws `CancellationError`, or `SocketError.closed` when the
    /// descriptor is deregistered or the loop stops meanwhile.
    nonisolated(nonsending) public func wait(_ fd: Int32, for interest: Interest, deadline: UInt64? = nil) async throws -> Readiness {
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                arm(fd, interest, Waiter(id: id, continuation: continuation, deadline: deadline))
            }
        } onCancel: {
            let waiter = state.withLock { state -> Waiter? in
                guard var registration = state.registrations[fd] else { return nil }
                let waiter = interest == .read ? registration.read : registration.write
                guard waiter?.id == id else { return nil }
                if interest == .read { registration.read = nil } else { registration.write = nil }
                state.registrations[fd] = registration
                return waiter
            }
            waiter?.continuation.resume(throwing: CancellationError())
        }
    }

    private func arm(_ fd: Int32, _ interest: Interest, _ waiter: Waiter) {
        enum Outcome { case armed(wake: Bool), ready, failed(any Error) }
        let outcome = state.withLock { state -> Outcome in
            // Checked under the lock: a cancellation handler that ran before this found nothing.
            if Task.isCancelled { return .failed(CancellationError()) }
            if state.stopped { return .failed(SocketError.closed) }
            if state.registrations[fd]?.inEpoll != true {
                // Added while already ready, it is reported at once.
                guard cshim_epoll_watch(epoll, fd, Self.interest, 1) == 0 else { return .failed(SocketError.system("epoll_ctl", errno)) }
                state.registrations[fd, default: Registration()].inEpoll = true
            }
            // Changed in place: a copy out and back costs retains of both waiters, per wait.
            switch state.registrations[fd, default: Registration()].arm(interest, waiter) {
            case .ready:
                return .ready
            case .waiting(newTimer: nil):
                return .armed(wake: false)
            case .waiting(newTimer: let deadline?):
                state.timers.insert(Timer(deadline: deadline, fd: fd))
                return .armed(wake: state.sleepingUntil.map { $0 > deadline } ?? true)
            }
        }
        switch outcome {
        case .armed(let wake):
            if wake { wakeUp() }
        case .ready:
            waiter.continuation.resume(returning: .ready)
        case .failed(let error):
            waiter.continuation.resume(throwing: error)
        }
    }

    /// Forgets `fd` before it is closed (its number may be reused at once); a task still
    /// waiting on it gets `SocketError.closed`.
    public func deregister(_ fd: Int32) {
        let registration = state.withLock { state -> Registration? in
            let registration = state.registrations.removeValue(forKey: fd)
            if registration?.inEpoll == true { _ = cshim_epoll_remove(epoll, fd) }
            return registration
        }
        registration?.read?.continuation.resume(throwing: SocketError.closed)
        registration?.write?.continuation.resume(throwing: SocketError.closed)
    }

    /// Stops the poll thread; every waiter gets `SocketError.closed`.
    public func stop() {
        let waiters = state.withLock { state -> [Waiter] in
            guard !state.stopped else { return [] }
            state.stopped = true
            defer { state.registrations = [:] }
            return state.registrations.values.flatMap { [$0.read, $0.write].compactMap { $0 } }
        }
        waiters.forEach { $0.continuation.resume(throwing: SocketError.closed) }
        wakeUp()
        finished.wait()
    }

    private func wakeUp() {
        var one: UInt64 = 1
        _ = Glibc.write(wakeFD, &one, 8)
    }

    // MARK: The poll thread

    private func pollLoop() {
        let capacity = 256
        var fds = [Int32](repeating: 0, count: capacity)
        var events = [UInt32](repeating: 0, count: capacity)
        while true {
            runJobs()
            guard let timeout = expireTimers() else { break }
            // Jobs enqueued after runJobs looked: poll without sleeping, then run them.
            let sleep = state.withLock { state -> Bool in
                state.polling = state.jobs.isEmpty
                return state.polling
            }
            let count = cshim_epoll_wait(epoll, &fds, &events, Int32(capacity), sleep ? timeout : 0)
            state.withLock { $0.polling = false }
            if count < 0 {
                guard errno == EINTR else { fatalError("epoll_wait failed: \(String(cString: strerror(errno)))") }
                continue
            }
            var ready: [(Waiter, Readiness)] = []
            state.withLock { state in
                for index in 0..<Int(count) where fds[index] != wakeFD {
                    state.registrations[fds[index]]?.collect(events[index], into: &ready)
                }
            }
            for (waiter, readiness) in ready { waiter.continuation.resume(returning: readiness) }
            if fds[0..<Int(count)].contains(wakeFD) {
                var value: UInt64 = 0
                _ = Glibc.read(wakeFD, &value, 8)
            }
        }
        // Jobs queued before the stop still run, on the pool.
        let left = state.withLock { state -> [UnownedJob] in
            defer { state.jobs = [] }
            return state.jobs
        }
        left.forEach { globalConcurrentExecutor.enqueue($0) }
        Glibc.close(wakeFD)
        Glibc.close(epoll)
        finished.signal()
    }

    /// Runs the jobs queued for this loop, and those they queue in turn, until none is left.
    private func runJobs() {
        while true {
            let jobs = state.withLock { state -> [UnownedJob] in
                defer { state.jobs.removeAll(keepingCapacity: true) }
                return state.jobs
            }
            if jobs.isEmpty { return }
            for job in jobs { job.runSynchronously(on: asUnownedTaskExecutor()) }
        }
    }

    /// Resumes waiters whose deadline has passed; returns the `epoll_wait` timeout in ms until
    /// the next deadline (-1: none), or nil once the loop is stopped.
    private func expireTimers() -> Int32? {
        let now = Self.now()
        var expired: [Waiter] = []
        let timeout = state.withLock { state -> Int32? in
            guard !state.stopped else { return nil }
            while let first = state.timers.peek(), first.deadline <= now {
                _ = state.timers.popMin()
                guard var registration = state.registrations[first.fd], registration.timer == first.deadline else { continue }
                registration.timer = nil
                if let waiter = registration.read, let deadline = waiter.deadline, deadline <= now {
                    expired.append(waiter)
                    registration.read = nil
                }
                if let waiter = registration.write, let deadline = waiter.deadline, deadline <= now {
                    expired.append(waiter)
                    registration.write = nil
                }
                // A waiter that came later with a later deadline rode on this entry: give it its own.
                let remaining = [registration.read?.deadline, registration.write?.deadline].compactMap { $0 }.min()
                if let remaining {
                    registration.timer = remaining
                    state.timers.insert(Timer(deadline: remaining, fd: first.fd))
                }
                state.registrations[first.fd] = registration
            }
            state.sleepingUntil = state.timers.peek()?.deadline
            guard let next = state.sleepingUntil else { return -1 }
            return Int32(min((next - now + 999_999) / 1_000_000, 60_000))
        }
        for waiter in expired { waiter.continuation.resume(returning: .timedOut) }
        return timeout
    }
}

/// A task that prefers a loop (`addTask(executorPreference:)`) runs on its poll thread: a socket
/// that becomes ready resumes its task right there, with no hand-off to the thread pool. This
/// is how the HTTP server runs its connections, one loop per core (the nginx model).
extension EventLoop: TaskExecutor {
    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        enum Next { case wake, none, elsewhere }
        let next = state.withLock { state -> Next in
            // A stopped loop runs nothing more: its tasks finish on the pool.
            if state.stopped { return .elsewhere }
            state.jobs.append(job)
            defer { state.polling = false }
            return state.polling ? .wake : .none
        }
        switch next {
        case .wake: wakeUp()
        case .none: break
        case .elsewhere: globalConcurrentExecutor.enqueue(job)
        }
    }
}
