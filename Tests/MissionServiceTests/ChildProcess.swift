import Foundation
import Synchronization

/// A real child process (the built `mission` binary) with its output collected as it arrives.
final class ChildProcess: Sendable {
    static var missionBinary: String {
        // Tests run from the build products directory, next to the `mission` executable.
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var dir = URL(fileURLWithPath: exe).deletingLastPathComponent()
        while dir.path != "/" {
            let candidate = dir.appendingPathComponent("mission").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return "mission"
    }

    private let process: Process
    private let output = Mutex<(stdout: String, stderr: String, waiters: [(String, CheckedContinuation<Bool, Never>)])>(("", "", []))

    init(_ arguments: [String], environment: [String: String] = [:]) throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: Self.missionBinary)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        for (pipe, isOut) in [(out, true), (err, false)] {
            pipe.fileHandleForReading.readabilityHandler = { [self] handle in
                let data = handle.availableData
                if data.isEmpty { handle.readabilityHandler = nil; return }
                let ready = self.output.withLock { state -> [CheckedContinuation<Bool, Never>] in
                    if isOut { state.stdout += String(decoding: data, as: UTF8.self) } else { state.stderr += String(decoding: data, as: UTF8.self) }
                    let all = state.stdout + state.stderr
                    let (done, waiting) = (state.waiters.filter { all.contains($0.0) }, state.waiters.filter { !all.contains($0.0) })
                    state.waiters = waiting
                    return done.map(\.1)
                }
                ready.forEach { $0.resume(returning: true) }
            }
        }
        try process.run()
    }

    var stdout: String { output.withLock { $0.stdout } }
    var stderr: String { output.withLock { $0.stderr } }

    /// Waits until stdout or stderr contains `text`; false after `limit`.
    func waitFor(_ text: String, limit: Duration = .seconds(20)) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await withCheckedContinuation { continuation in
                    let found = self.output.withLock { state in
                        if (state.stdout + state.stderr).contains(text) { return true }
                        state.waiters.append((text, continuation))
                        return false
                    }
                    if found { continuation.resume(returning: true) }
                }
            }
            group.addTask {
                try? await Task.sleep(for: limit)
                return false
            }
            let first = await group.next()!
            group.cancelAll()
            // Release a waiter still pending so that its child task can end.
            let pending = output.withLock { state in
                defer { state.waiters = state.waiters.filter { $0.0 != text } }
                return state.waiters.filter { $0.0 == text }.map(\.1)
            }
            pending.forEach { $0.resume(returning: false) }
            return first
        }
    }

    func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    /// Waits for exit and returns the status.
    func wait() async -> Int32 {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                self.process.waitUntilExit()
                continuation.resume(returning: self.process.terminationStatus)
            }
        }
    }

    /// Runs `mission ARGS` to completion.
    static func run(_ arguments: [String], environment: [String: String] = [:]) async throws -> (status: Int32, stdout: String, stderr: String) {
        let child = try ChildProcess(arguments, environment: environment)
        let status = await child.wait()
        // The pipes may deliver their last bytes just after exit.
        _ = await child.waitFor("", limit: .milliseconds(1))
        try await Task.sleep(for: .milliseconds(50))
        return (status, child.stdout, child.stderr)
    }
}
