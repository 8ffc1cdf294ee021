import Foundation
import MissionModel
import MissionStore

/// A real child process (the built `mission` binary). Its stdout and stderr go to files, not
/// pipes: tests run in parallel, and a child spawned at the same moment as another inherits
/// that one's pipe write ends, so "wait for EOF" would wait on unrelated processes.
public final class ChildProcess: Sendable {
    public static var missionBinary: String {
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
    private let files = TemporaryDirectory()

    public init(_ arguments: [String], environment: [String: String] = [:]) throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: Self.missionBinary)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        files.write("stdout", "")
        files.write("stderr", "")
        let out = FileHandle(forWritingAtPath: files.file("stdout"))!
        let err = FileHandle(forWritingAtPath: files.file("stderr"))!
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try out.close()
        try err.close()
    }

    public var stdout: String { files.read("stdout") }
    public var stderr: String { files.read("stderr") }

    /// Waits until stdout or stderr contains `text`, re-reading when either file changes;
    /// false after `limit`.
    public func waitFor(_ text: String, limit: Duration = hangLimit) async -> Bool {
        guard let outWatcher = try? FileWatcher(path: files.file("stdout")),
              let errWatcher = try? FileWatcher(path: files.file("stderr")) else { return false }
        defer {
            outWatcher.stop()
            errWatcher.stop()
        }
        return await withTaskGroup(of: Bool.self) { group in
            for watcher in [outWatcher, errWatcher] {
                group.addTask {
                    // Checked after the watcher exists, so no write between check and wait is missed.
                    if (self.stdout + self.stderr).contains(text) { return true }
                    for await _ in watcher.changes where (self.stdout + self.stderr).contains(text) { return true }
                    return false
                }
            }
            group.addTask {
                try? await Task.sleep(for: limit)
                return false
            }
            let first = await group.next()!
            group.cancelAll()
            outWatcher.stop()
            errWatcher.stop()
            return first
        }
    }

    public func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    /// Waits for exit and returns the status; the output files are then complete.
    public func wait() async -> Int32 {
        await withCheckedContinuation { continuation in
            // A thread of its own: `waitUntilExit` blocks its thread until the child exits, and
            // Dispatch workers blocked so, several tests at once, starved the tasks of the others.
            Thread {
                self.process.waitUntilExit()
                continuation.resume(returning: self.process.terminationStatus)
            }.start()
        }
    }

    /// Runs `mission ARGS` to completion.
    public static func run(_ arguments: [String], environment: [String: String] = [:]) async throws -> (status: Int32, stdout: String, stderr: String) {
        let child = try ChildProcess(arguments, environment: environment)
        let status = await child.wait()
        return (status, child.stdout, child.stderr)
    }
}
