import MissionNet
import CShim
import Foundation
import Glibc
import MissionService

/// N WebSocket subscribers read by one thread with epoll, for the latency benchmark: a
/// thousand Swift tasks (one `WebSocketClient` each) spent more time being scheduled than the
/// servers they measured, and both servers measured the same. Plain sockets, a hand-made
/// upgrade, and server frames parsed only as far as the `sent_ns` stamp.
final class RawSubscribers: @unchecked Sendable {
    private var fds: [Int32] = []
    private var buffers: [[UInt8]] = []
    private let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 65536, alignment: 1)

    /// Connects `count` subscribers to `target` (spread in turn over `ports`) and reads, on each,
    /// the upgrade answer and its first `framesBeforeReady` frames (hello, and for ours the snapshot).
    init(ports: [Int], target: String, count: Int, framesBeforeReady: Int) throws {
        for index in 0..<count {
            let port = ports[index % ports.count]
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw BenchError.failed("socket: errno \(errno)") }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard connected == 0 else { throw BenchError.failed("connect: errno \(errno)") }
            let upgrade = "GET \(target) HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
            _ = upgrade.withCString { send(fd, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
            var buffer: [UInt8] = []
            var frames = 0
            var upgraded = false
            while frames < framesBeforeReady {
                guard try read(fd, into: &buffer) else { throw BenchError.failed("the server closed during the upgrade") }
                if !upgraded, let end = buffer.firstIndex(ofSequence: [13, 10, 13, 10]) {
                    guard buffer.starts(with: Array("HTTP/1.1 101".utf8)) else { throw BenchError.failed("no upgrade: \(String(decoding: buffer.prefix(80), as: UTF8.self))") }
                    buffer.removeFirst(end + 4)
                    upgraded = true
                }
                while upgraded, frames < framesBeforeReady, let payload = Self.takeFrame(&buffer) {
                    _ = payload
                    frames += 1
                }
            }
            fds.append(fd)
            buffers.append(buffer)
        }
    }

    deinit {
        fds.forEach { close($0) }
        scratch.deallocate()
    }

    /// Reads until every subscriber has `events` stamped frames, or `seconds` pass without
    /// any; returns each frame's latency in ms (receipt minus its stamp, CLOCK_MONOTONIC).
    /// Readiness comes from epoll: `poll` over 1,000 descriptors costs a scan of all of them per
    /// call, and while a server's fan-out trickles in, the client called it many times per event.
    func receive(events: Int, seconds: Int32) throws -> [Double] {
        let epoll = cshim_epoll_create()
        guard epoll >= 0 else { throw BenchError.failed("epoll_create1: errno \(errno)") }
        defer { close(epoll) }
        var index: [Int32: Int] = [:]
        for (i, fd) in fds.enumerated() {
            index[fd] = i
            guard cshim_epoll_watch(epoll, fd, UInt32(CSHIM_EPOLLIN), 0) == 0 else { throw BenchError.failed("epoll_ctl: errno \(errno)") }
        }
        var readyFDs = [Int32](repeating: 0, count: 256)
        var readyEvents = [UInt32](repeating: 0, count: 256)
        var received = [Int](repeating: 0, count: fds.count)
        var done = 0
        var latencies: [Double] = []
        latencies.reserveCapacity(fds.count * events)
        while done < fds.count {
            let ready = cshim_epoll_wait(epoll, &readyFDs, &readyEvents, Int32(readyFDs.count), seconds * 1000)
            if ready < 0 && errno == EINTR { continue }
            guard ready > 0 else { throw BenchError.failed("no frame for \(seconds) s; \(done) of \(fds.count) subscribers done") }
            for fd in readyFDs[0..<Int(ready)] {
                guard let i = index[fd] else { continue }
                guard try read(fd, into: &buffers[i]) else { throw BenchError.failed("a subscriber was closed") }
                while let payload = Self.takeFrame(&buffers[i]) {
                    let now = EventLoop.now()
                    guard let sent = Self.stamp(in: payload) else { continue }
                    latencies.append(Double(now &- sent) / 1e6)
                    received[i] += 1
                    if received[i] == events { done += 1 }
                }
            }
        }
        return latencies
    }

    /// Appends what one `recv` returns; false at end of stream.
    private func read(_ fd: Int32, into buffer: inout [UInt8]) throws -> Bool {
        let count = recv(fd, scratch.baseAddress, scratch.count, 0)
        guard count >= 0 else { throw BenchError.failed("recv: errno \(errno)") }
        buffer += scratch[0..<count]
        return count > 0
    }

    /// Removes and returns the payload of the first whole frame in `buffer` (server frames are
    /// unmasked), or nil if it is not all in yet.
    private static func takeFrame(_ buffer: inout [UInt8]) -> ArraySlice<UInt8>? {
        guard buffer.count >= 2 else { return nil }
        var length = Int(buffer[1] & 0x7F)
        var start = 2
        if length == 126 {
            guard buffer.count >= 4 else { return nil }
            length = Int(buffer[2]) << 8 | Int(buffer[3])
            start = 4
        } else if length == 127 {
            guard buffer.count >= 10 else { return nil }
            length = buffer[2..<10].reduce(0) { $0 << 8 | Int($1) }
            start = 10
        }
        guard buffer.count >= start + length else { return nil }
        let payload = buffer[start..<start + length]
        buffer.removeFirst(start + length)
        return payload
    }

    /// The number after `"sent_ns":`, read off the bytes.
    private static func stamp(in payload: ArraySlice<UInt8>) -> UInt64? {
        guard let key = payload.firstIndex(ofSequence: sentKey) else { return nil }
        var value: UInt64 = 0
        var i = key + sentKey.count
        while i < payload.endIndex, payload[i] == 0x20 { i += 1 }
        let first = i
        while i < payload.endIndex, payload[i] >= 0x30, payload[i] <= 0x39 {
            value = value * 10 + UInt64(payload[i] - 0x30)
            i += 1
        }
        return i > first ? value : nil
    }

    private static let sentKey = Array(#""sent_ns":"#.utf8)
}
