import MissionModel
import Foundation

/// `agent`: hands the mission to an external program (`--agent CMD`) and turns what it says
/// into log records as it says it.
///
/// Protocol: the program gets one JSON object on stdin,
/// `{"mission_id", "objective": {"type", "description"}, "constraints": {...}, "attempt"}`,
/// and writes JSON lines to stdout, each with exactly one key:
/// `{"progress": {"phase", "message"}}`, `{"artifact": {"kind", "uri"}}`, and last
/// `{"result": {"success", "final_answer", "tools_used"}}`. It then exits 0. A malformed line,
/// a line after the result, no result, a non-zero exit or a crash fail the attempt with an
/// error that quotes what went wrong; stderr is kept for that error only.
public struct AgentTool: MissionTool {
    public let name = "agent"

    public static let maxLineBytes = 256 << 10

    /// The program and its arguments, argv[0] first.
    let words: [String]
    let executable: String
    let killGrace: Duration

    public enum ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
        case invalid(String)

        public var description: String {
            switch self {
            case .invalid(let reason): return "--agent: \(reason)"
            }
        }
    }

    public init(commandLine: String, killGrace: Duration = .seconds(2)) throws(ConfigurationError) {
        let words: [String]
        do {
            words = try CommandWords.split(commandLine)
        } catch {
            throw .invalid("cannot read '\(commandLine)': \(error)")
        }
        guard let program = words.first else { throw .invalid("no program given") }
        guard let executable = ProgramPath.resolve(program) else { throw .invalid("'\(program)' is not an executable (a name on PATH or a path)") }
        self.words = words
        self.executable = executable
        self.killGrace = killGrace
    }

    public func run(_ request: ToolRequest, events: ToolEvents) async throws -> ExecutionResult {
        let input: JSONObject = [
            "mission_id": .string(request.missionID),
            "objective": .object(request.objective.json),
            "constraints": .object(request.constraints.json),
            "attempt": .int(request.attempt),
        ]
        var configuration = Subprocess.Configuration(executable: executable, arguments: words)
        configuration.environment = ProcessInfo.processInfo.environment.filter { ["PATH", "HOME", "LANG", "TMPDIR"].contains($0.key) }
        configuration.environment["MISSION_ID"] = request.missionID
        configuration.input = JSONWriter.encode(input) + [0x0A]
        configuration.maxLineBytes = Self.maxLineBytes
        configuration.killGrace = killGrace
        let child = try Subprocess(configuration)
        let program = (words[0] as NSString).lastPathComponent
        var result: ExecutionResult?
        do {
            try await withTaskCancellationHandler {
                var number = 0
                for await line in child.lines {
                    number += 1
                    try Task.checkCancellation()
                    guard result == nil else { throw Self.failure(program, line: number, line.text, "a line after the result") }
                    guard !line.truncated else { throw Self.failure(program, line: number, line.text, "a line over \(Self.maxLineBytes) bytes") }
                    if line.text.allSatisfy(\.isWhitespace) { continue }
                    result = try await handle(line, number: number, program: program, events: events)
                }
                try Task.checkCancellation()
            } onCancel: {
                child.terminate()
            }
        } catch {
            child.terminate()
            _ = await child.wait()
            throw error
        }
        let output = await child.wait()
        guard output.termination == .exited(0) else {
            let stderr = String(decoding: output.stderr, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw ToolError("agent '\(program)' \(output.termination)" + (stderr.isEmpty ? "" : ": \(String(stderr.suffix(500)).oneLine(limit: 500))"))
        }
        guard let result else { throw ToolError("agent '\(program)' exited without a {\"result\": …} line") }
        return result
    }

    /// One protocol line: records progress and artifacts, returns the result when it is one.
    private func handle(_ line: Subprocess.Line, number: Int, program: String, events: ToolEvents) async throws -> ExecutionResult? {
        let object: JSONObject
        do {
            guard let parsed = try JSONParser.parse(line.bytes).objectValue else {
                throw Self.failure(program, line: number, line.text, "not a JSON object")
            }
            object = parsed
        } catch let error as JSONParser.Error {
            throw Self.failure(program, line: number, line.text, error.description)
        }
        guard object.members.count == 1, let member = object.members.first, let body = member.value.objectValue else {
            throw Self.failure(program, line: number, line.text, "expected exactly one key: progress, artifact or result, with an object")
        }
        do {
            switch member.key {
            case "progress":
                let progress = try MissionProgress(json: body)
                try await events.progress(progress.phase, progress.message, metadata: progress.metadata)
                return nil
            case "artifact":
                let artifact = try Artifact(json: body)
                try await events.artifact(kind: artifact.kind, uri: artifact.uri, metadata: artifact.metadata)
                return nil
            case "result":
                var result = try ExecutionResult(json: body)
                if result.toolsUsed.isEmpty { result.toolsUsed = [name] }
                return result
            default:
                throw Self.failure(program, line: number, line.text, "unknown key '\(member.key)'")
            }
        } catch let error as RecordError {
            throw Self.failure(program, line: number, line.text, error.description)
        }
    }

    static func failure(_ program: String, line: Int, _ text: String, _ reason: String) -> ToolError {
        ToolError("agent '\(program)' line \(line) (\(reason)): \(text.oneLine(limit: 200))")
    }
}
