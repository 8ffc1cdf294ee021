import MissionModel
import CShim
import Foundation
import Glibc
import Synchronization

/// A program run as a child process, in a process group of its own, never through a shell.
///
/// One dedicated thread per child polls its stdout, stderr, a pidfd (exit) and a stop pipe,
/// so nothing blocks the concurrency pool. Output is captured up to a limit per stream (the
/// rest is drained and dropped), and stdout is also handed out line by line as it arrives.
/// `terminate()` sends SIGTERM to the whole group and SIGKILL after a grace period. When the
/// child exits, what is left of its group is killed and the child is reaped: no zombie stays.
public final class Subprocess: Sendable {
    public struct Configuration: Sendable {
        /// Absolute path of the program.
        public var executable: String
        /// argv[0] as the program sees it (its name), then the arguments.
        public var arguments: [String]
        public var environment: [String: String] = [:]
        public var workingDirectory: String?
        /// Written to stdin, which is then closed; nil: stdin is /dev/null.
        public var input: [UInt8]?
        public var outputLimit = Subprocess.defaultOutputLimit
        public var maxLineBytes = Subprocess.defaultMaxLineBytes
        public var killGrace: Duration = .seconds(2)

        public init(executable: String, arguments: [String]) {
            self.executable = executable
            self.arguments = arguments
        }
    }

    public static let defaultOutputLimit = 1 << 20
    public static let defaultMaxLineBytes = 1 << 20

    public enum Termination: Sendable, Equatable, CustomStringConvertible {
        case exited(Int32)
        case signalled(Int32)

        public var description: String {
            switch self {
            case .exited(let code): return "exited with status \(code)"
            case .signalled(let signal): return "was killed by signal \(signal)\(signal == SIGKILL ? " (SIGKILL)" : signal == SIGTERM ? " (SIGTERM)" : "")"
            }
        }
    }

    public struct Output: Sendable {
        public var termination: Termination
        public var stdout: [UInt8]
        public var stderr: [UInt8]
        public var stdoutTruncated: Bool
        public var stderrTruncated: Bool
        /// Whether `terminate()` was called before the child ended.
        public var terminated: Bool
    }

    /// A line of stdout without its newline; `truncated` when it was longer than the limit.
    public struct Line: Sendable {
        public var bytes: [UInt8]
        public var truncated: Bool
        public var text: String { String(decoding: bytes, as: UTF8.self) }
    }

    public let pid: pid_t
    public let lines: AsyncStream<Line>
    private let stopWriteEnd: Int32
    private let stopped = Atomic(false)
    private let state: Locked<Completion>

    private struct Completion {
        var output: Output?
        var waiters: [CheckedContinuation<Output, Never>] = []
    }

    // Children write to closed pipes only if we ignore SIGPIPE; the service must not die of it.
    private static let ignoreSIGPIPE: Void = { signal(SIGPIPE, SIG_IGN) }()

    public init(_ configuration: Configuration) throws {
        _ = Self.ignoreSIGPIPE
        var stdoutPipe: [Int32] = [-1, -1], stderrPipe: [Int32] = [-1, -1], stopPipe: [Int32] = [-1, -1], stdinPipe: [Int32] = [-1, -1]
        var opened: [Int32] = []
        func makePipe(_ fds: inout [Int32]) throws {
            guard cshim_pipe_cloexec(&fds) == 0 else { throw SubprocessError.system("pipe2", errno) }
            opened += fds
        }
        do {
            try makePipe(&stdoutPipe)
            try makePipe(&stderrPipe)
            try makePipe(&stopPipe)
            if configuration.input != nil { try makePipe(&stdinPipe) }
        } catch {
            opened.forEach { _ = close($0) }
            throw error
        }
        let environment = configuration.environment.map { "\($0.key)=\($0.value)" }
        let (lines, continuation) = AsyncStream.makeStream(of: Line.self, bufferingPolicy: .unbounded)
        let spawned = Handoff<Result<pid_t, SubprocessError>>()
        // Spawned on the thread that pumps its output: the child dies when the thread that
        // spawned it ends (PR_SET_PDEATHSIG), and this thread lives until the child is reaped,
        // where a pool thread may end at any time.
        let state = Locked(Completion())
        self.state = state
        NamedThread.start("subprocess") { [stdinPipe, stdoutPipe, stderrPipe, stopPipe] in
            var pid: pid_t = 0
            let rc = withCStrings([configuration.executable, configuration.workingDirectory]) { paths in
                withCStringArray(configuration.arguments) { argv in
                    withCStringArray(environment) { envp in
                        cshim_spawn(paths[0], argv, envp, paths[1], stdinPipe[0], stdoutPipe[1], stderrPipe[1], &pid)
                    }
                }
            }
            // The child has its copies; the parent keeps only its own ends.
            for fd in [stdinPipe[0], stdoutPipe[1], stderrPipe[1]] where fd >= 0 { close(fd) }
            guard rc == 0 else {
                for fd in [stdinPipe[1], stdoutPipe[0], stderrPipe[0], stopPipe[0], stopPipe[1]] where fd >= 0 { close(fd) }
                spawned.put(.failure(.spawn(configuration.executable, rc)))
                return
            }
            let pidfd = cshim_pidfd_open(pid)
            guard pidfd >= 0 else {
                let code = errno
                kill(-pid, SIGKILL)
                var status: Int32 = 0
                _ = waitpid(pid, &status, 0)
                for fd in [stdinPipe[1], stdoutPipe[0], stderrPipe[0], stopPipe[0], stopPipe[1]] where fd >= 0 { close(fd) }
                spawned.put(.failure(.system("pidfd_open", code)))
                return
            }
            spawned.put(.success(pid))
            let pump = OutputPump(pid: pid, pidfd: pidfd, stdout: stdoutPipe[0], stderr: stderrPipe[0], stop: stopPipe[0],
                                  stdin: stdinPipe[1], input: configuration.input ?? [], configuration: configuration, lines: continuation)
            let output = pump.run()
            let waiters = state.withLock { completion in
                completion.output = output
                defer { completion.waiters = [] }
                return completion.waiters
            }
            waiters.forEach { $0.resume(returning: output) }
        }
        // A spawn takes well under a millisecond; the caller waits for its outcome as it
        // waited for posix_spawn before.
        self.pid = try spawned.take().get()
        stopWriteEnd = stopPipe[1]
        self.lines = lines
    }

    /// Waits for the child to end and its output to be drained.
    public func wait() async -> Output {
        await withCheckedContinuation { continuation in
            let done = state.withLock { completion -> Output? in
                if let output = completion.output { return output }
                completion.waiters.append(continuation)
                return nil
            }
            if let done { continuation.resume(returning: done) }
        }
    }

    /// SIGTERM to the child's process group now, SIGKILL after the grace period. Idempotent.
    public func terminate() {
        guard !stopped.exchange(true, ordering: .acquiringAndReleasing) else { return }
        close(stopWriteEnd)
    }

    /// Runs the child to the end; cancelling the calling task terminates it.
    public func run() async -> Output {
        await withTaskCancellationHandler {
            await wait()
        } onCancel: {
            terminate()
        }
    }

    deinit {
        terminate()
    }
}

public enum SubprocessError: Error, Sendable, Equatable, CustomStringConvertible {
    case spawn(String, Int32)
    case system(String, Int32)

    public var description: String {
        switch self {
        case .spawn(let path, let code): return "cannot start \(path): \(String(cString: strerror(code)))"
        case .system(let call, let code): return "\(call) failed: \(String(cString: strerror(code)))"
        }
    }
}
