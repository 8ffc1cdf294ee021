import Foundation

/// What every command gets: its parsed arguments and the environment.
struct CommandContext: Sendable {
    var parsed: ArgumentParser.Parsed
    var environment: [String: String]

    var directory: DataDirectory {
        DataDirectory(path: parsed.value("--data") ?? environment[DataDirectory.environmentVariable] ?? DataDirectory.defaultPath)
    }

    var json: Bool { parsed.has("--json") }

    /// The missions store, read-only: for commands that only look.
    func readStore() throws -> MissionStore? {
        guard FileManager.default.fileExists(atPath: directory.missionsPath) else { return nil }
        return try Checkpoint.openStore(directory, mode: .readOnly).0
    }

    func printWhiteboard(_ board: Whiteboard) {
        Console.out(String(decoding: JSONWriter.encode(board.json, pretty: !json), as: UTF8.self))
    }
}
