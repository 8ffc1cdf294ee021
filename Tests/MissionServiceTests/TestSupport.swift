import MissionModel
import Foundation
@testable import MissionService

/// How long a test waits for something that should happen at once before it counts as hung.
/// Generous on purpose: with the whole suite running in parallel under ThreadSanitizer, the
/// two-thread pool can be busy for tens of seconds before a ready task resumes (CI saw a
/// 75 ms test take 27 s). It bounds a hang; it never measures speed.
let hangLimit: Duration = .seconds(90)

/// A fresh directory under the system temp dir, removed when the test's scope ends.
final class TemporaryDirectory: Sendable {
    let path: String

    init() {
        path = NSTemporaryDirectory() + "mission-tests-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { path + "/" + name }

    func write(_ name: String, _ text: String) {
        _ = FileManager.default.createFile(atPath: file(name), contents: Data(text.utf8))
    }

    func read(_ name: String) -> String {
        (try? String(contentsOfFile: file(name), encoding: .utf8)) ?? ""
    }

    func lines(_ name: String) -> [String] {
        read(name).split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }
}

func makeRecord(_ n: Int, kind: String = "test") -> JSONObject {
    ["timestamp": .string("2026-11-21T10:00:00.000Z"), "signal_type": .string(kind), "n": .int(n)]
}

func parse(_ line: String) -> JSONObject {
    try! JSONParser.parse(line).objectValue!
}
