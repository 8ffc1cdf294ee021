import MissionModel
import Foundation

/// `command`: runs one program from an allow-list (`--allow-command PROGRAM`), without a
/// shell, in a scratch directory of its own with a small fixed environment. The answer is its
/// stdout; a non-zero exit fails the attempt (and is retried like any failure).
public struct CommandTool: MissionTool {
    public let name = "command"

    public struct Configuration: Sendable {
        /// Allowed program names (as given to --allow-command) and the executables they resolved to.
        public var allowed: [String: String] = [:]
        public var outputLimit = Subprocess.defaultOutputLimit
        public var killGrace: Duration = .seconds(2)
        public var searchPath = ProgramPath.defaultSearchPath

        public init() {}
    }

    public enum ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
        case notFound(String)

        public var description: String {
            switch self {
            case .notFound(let program):
                return "--allow-command \(program): no such executable (give a name on PATH or an absolute path)"
            }
        }
    }

    let configuration: Configuration

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// A tool allowing `programs`, each resolved now so that a typo fails at start-up.
    public static func allowing(_ programs: [String]) throws(ConfigurationError) -> CommandTool {
        var configuration = Configuration()
        for program in programs {
            guard let path = ProgramPath.resolve(program) else { throw .notFound(program) }
            configuration.allowed[program] = path
        }
        return CommandTool(configuration: configuration)
    }

    /// Only commands whose program this process allows (a node without it leaves the mission
    /// to one that has it).
    public func canRun(_ objective: Objective) -> Bool {
        guard let program = (try? CommandWords.split(objective.description))?.first else { return true }
        return configuration.allowed[program] != nil
    }

    public func run(_ request: ToolRequest, events: ToolEvents) async throws -> ExecutionResult {
        let words: [String]
        do {
            words = try CommandWords.split(request.objective.description)
        } catch {
            return refuse("cannot read the command line: \(error)")
        }
        guard let program = words.first else { return refuse("the command line is empty; describe it as PROGRAM ARGS") }
        guard let executable = configuration.allowed[program] else {
            let allowed = configuration.allowed.keys.sorted()
            return refuse("program '\(program)' is not allowed here; start the service with --allow-command \(program)"
                          + (allowed.isEmpty ? " (no program is allowed now)" : " (allowed: \(allowed.joined(separator: ", ")))"))
        }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("mission-\(request.missionID)-\(request.attempt)-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        var process = Subprocess.Configuration(executable: executable, arguments: words)
        process.environment = ["PATH": configuration.searchPath, "HOME": scratch, "TMPDIR": scratch, "LANG": "C.UTF-8",
                               "MISSION_ID": request.missionID, "MISSION_ATTEMPT": String(request.attempt)]
        process.workingDirectory = scratch
        process.outputLimit = configuration.outputLimit
        process.killGrace = configuration.killGrace
        try await events.progress("command", "running \(words.joined(separator: " ").oneLine(limit: 200))")
        let started = ContinuousClock.now
        let output = try await Subprocess(process).run()
        try Task.checkCancellation()
        let elapsed = ContinuousClock.now - started
        let milliseconds = elapsed.milliseconds
        try await events.progress("command", "\(program) \(output.termination) after \(milliseconds) ms; stdout \(output.stdout.count) bytes\(output.stdoutTruncated ? " (truncated)" : ""), stderr \(output.stderr.count) bytes\(output.stderrTruncated ? " (truncated)" : "")")
        guard output.termination == .exited(0) else {
            let stderr = String(decoding: output.stderr, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw ToolError("`\(program)` \(output.termination)" + (stderr.isEmpty ? "" : ": \(String(stderr.suffix(500)).oneLine(limit: 500))"))
        }
        var answer = String(decoding: output.stdout, as: UTF8.self)
        if output.stdoutTruncated { answer += "\n[stdout cut at \(configuration.outputLimit) bytes]" }
        return ExecutionResult(success: true, finalAnswer: answer, toolsUsed: [name])
    }

    /// A request this tool will never run, however often it is retried.
    private func refuse(_ error: String) -> ExecutionResult {
        ExecutionResult(success: false, finalAnswer: "", toolsUsed: [name], error: error)
    }
}
