import MissionModel
import Foundation

/// How long a test waits for something that should happen at once before it counts as hung.
/// Generous on purpose: with the whole suite running in parallel under ThreadSanitizer, the
/// two-thread pool can be busy for tens of seconds before a ready task resumes (CI saw a
/// 75 ms test take 27 s). It bounds a hang; it never measures speed.
public let hangLimit: Duration = .seconds(90)

/// The repository's root directory (for its example data, README and scripts).
public let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

/// A fresh directory under the system temp dir, removed when the test's scope ends.
public final class TemporaryDirectory: Sendable {
    public let path: String

    public init() {
        path = NSTemporaryDirectory() + "mission-tests-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    public func file(_ name: String) -> String { path + "/" + name }

    public func write(_ name: String, _ text: String) {
        _ = FileManager.default.createFile(atPath: file(name), contents: Data(text.utf8))
    }

    public func read(_ name: String) -> String {
        (try? String(contentsOfFile: file(name), encoding: .utf8)) ?? ""
    }

    public func lines(_ name: String) -> [String] {
        read(name).split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }
}

public func makeRecord(_ n: Int, kind: String = "test") -> JSONObject {
    ["timestamp": .string("2026-11-21T10:00:00.000Z"), "signal_type": .string(kind), "n": .int(n)]
}

public func parse(_ line: String) -> JSONObject {
    try! JSONParser.parse(line).objectValue!
}

/// Records for fold tests: a mission created at second `seq`, and its status moves.
public func at(_ second: Int) -> Timestamp {
    Timestamp(millisecondsSinceEpoch: 1_795_255_200_000 + Int64(second) * 1000)
}

public func makeCreated(_ id: String = "m-1", seq: Int = 1, description: String = "hello", priority: Int = 0) -> MissionEvent {
    MissionEvent(seq: seq, timestamp: at(seq), missionID: id, body: .created(MissionCreated(
        objective: Objective(type: "echo", description: description), constraints: Constraints(), priority: priority,
        source: MissionSource(channel: .api))))
}

public func makeStatus(_ status: MissionStatus, _ reason: String, seq: Int, attempt: Int? = nil, id: String = "m-1",
                result: ExecutionResult? = nil) -> MissionEvent {
    MissionEvent(seq: seq, timestamp: at(seq), missionID: id, body: .status(StatusUpdate(
        status: status, reason: reason, attempt: attempt, completedAt: status.isTerminal ? at(seq) : nil, executionResult: result)))
}

/// Asks until `check` holds, every 50 ms, within `hangLimit`: for what a server shows only
/// through its answers (its view catches up with its files, or a node with the store, a little
/// after the change that a test could wait for).
public func eventually(_ check: () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + hangLimit
    while ContinuousClock.now < deadline {
        if try await check() { return true }
        try await Task.sleep(for: .milliseconds(50))
    }
    return false
}
