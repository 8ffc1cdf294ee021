import MissionNet
import Foundation
import Testing
@testable import MissionService

/// The kernel's name of the calling thread (Foundation names it from `Thread.name`).
private func threadName() -> String? {
    (try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
}

@Suite struct EventLoopExecutorTests {
    @Test func a_task_preferring_a_loop_runs_on_its_poll_thread() async throws {
        let loop = try EventLoop()
        defer { loop.stop() }
        let names = await withTaskGroup(of: String?.self) { group in
            for _ in 0..<20 {
                group.addTask(executorPreference: loop) {
                    await Task.yield()
                    return threadName()
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(names == Array(repeating: "event-loop", count: 20))
    }

    @Test func a_socket_wait_resumes_on_the_loop_and_a_stopped_loop_hands_tasks_to_the_pool() async throws {
        let loop = try EventLoop()
        let listener = try TCPListener(host: "127.0.0.1", port: 0, loop: loop)
        let port = listener.port
        let served = Task(executorPreference: loop) { () -> String? in
            let socket = try await listener.accept()
            defer { socket.close() }
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 16, alignment: 1)
            defer { buffer.deallocate() }
            _ = try await socket.read(into: buffer)
            return threadName()
        }
        let client = try await TCPSocket.connect(host: "127.0.0.1", port: port, loop: loop)
        try await client.write(Array("x".utf8))
        #expect(try await served.value == "event-loop")
        client.close()
        listener.close()
        loop.stop()
        // Nothing runs on a stopped loop any more; a task that prefers it still finishes.
        #expect(await Task(executorPreference: loop) { 42 }.value == 42)
    }
}
