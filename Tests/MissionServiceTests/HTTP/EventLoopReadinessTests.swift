import MissionModel
@testable import MissionNet
import Foundation
import Glibc
import MissionTestSupport
import Testing
@testable import MissionService

/// The event loop's edge-triggered readiness: an edge is reported once, so readiness that comes
/// while nobody waits must be kept, and a read that filled its buffer must read again before it
/// waits. A connected Unix socket pair makes the timing exact: a write is in the peer's queue
/// when it returns.
@Suite struct EventLoopReadinessTests {
    /// Runs `body` with our end of a fresh pair (on its own loop), the peer's descriptor, and a
    /// 16-byte read buffer.
    private static func withPair(_ body: (TCPSocket, Int32, UnsafeMutableRawBufferPointer) async throws -> Void) async throws {
        let loop = try EventLoop()
        defer { loop.stop() }
        var fds: [Int32] = [0, 0]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &fds) == 0 else {
            throw SocketError.system("socketpair", errno)
        }
        let socket = TCPSocket(fd: fds[0], loop: loop)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 16, alignment: 1)
        defer {
            buffer.deallocate()
            socket.close()
            close(fds[1])
        }
        try await body(socket, fds[1], buffer)
    }

    private static func put(_ count: Int, to fd: Int32) {
        let bytes = [UInt8](repeating: 0x61, count: count)
        #expect(bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, count) } == count)
    }

    @Test func readiness_that_comes_while_nobody_waits_is_kept_for_the_next_wait() async throws {
        try await Self.withPair { socket, peer, buffer async throws in
            // A short read drains the socket, so a later `waitFirst` read waits before reading.
            Self.put(1, to: peer)
            #expect(try await socket.read(into: buffer, deadline: EventLoop.deadline(after: hangLimit)) == 1)
            // A wait that times out leaves the descriptor watched, with nobody waiting.
            await #expect(throws: SocketError.timedOut) { try await socket.read(into: buffer, deadline: EventLoop.deadline(after: .milliseconds(20))) }
            Self.put(1, to: peer)
            // A round trip through the loop: it runs jobs only between polls, so once this one has
            // run, the poll thread has collected the edge, with nobody waiting for it.
            await Task(executorPreference: socket.loop) {}.value
            let count = try await socket.read(into: buffer, deadline: EventLoop.deadline(after: hangLimit), waitFirst: true)
            #expect(count == 1)
        }
    }

    @Test func a_read_that_fills_the_buffer_reads_again_before_it_waits() async throws {
        try await Self.withPair { socket, peer, buffer async throws in
            let deadline = EventLoop.deadline(after: hangLimit)
            Self.put(1, to: peer)
            #expect(try await socket.read(into: buffer, deadline: deadline) == 1)
            // Two buffers' worth arrive at once: one edge. The first read takes it and fills the
            // buffer; the second must not wait for an edge that will never come.
            Self.put(32, to: peer)
            #expect(try await socket.read(into: buffer, deadline: deadline, waitFirst: true) == 16)
            #expect(try await socket.read(into: buffer, deadline: deadline, waitFirst: true) == 16)
            // Drained now: the next read waits, and is woken by the next write.
            let writer = Task { Self.put(3, to: peer) }
            #expect(try await socket.read(into: buffer, deadline: deadline, waitFirst: true) == 3)
            await writer.value
        }
    }
}
