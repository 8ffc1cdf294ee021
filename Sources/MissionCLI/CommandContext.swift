import MissionService
import MissionModel
import MissionStore
import Foundation

/// What every command gets: its parsed arguments and the environment.
struct CommandContext: Sendable {
    var parsed: ArgumentParser.Parsed
    var environment: [String: String]

    var directory: DataDirectory {
        DataDirectory(path: parsed.value("--data") ?? environment[DataDirectory.environmentVariable] ?? DataDirectory.defaultPath)
    }

    var json: Bool { parsed.has("--json") }

    /// The data directory for a command that only reads or repairs: it must exist (an empty
    /// one is fine), or the user named the wrong place.
    func existingDirectory() throws -> DataDirectory {
        let directory = self.directory
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory) else {
            throw CommandFailure("no data directory at \(directory.path); give the right one with --data DIR (or $\(DataDirectory.environmentVariable))")
        }
        guard isDirectory.boolValue else { throw CommandFailure("\(directory.path) is not a directory; --data names the data directory") }
        return directory
    }

    /// The server named by `--server`, if any (its token from `--token` or $MISSION_TOKEN).
    func server() throws -> ServerClient? {
        guard let url = parsed.value("--server") else { return nil }
        return try ServerClient(url, token: parsed.value("--token") ?? environment["MISSION_TOKEN"])
    }

    /// The PostgreSQL store named by `--store` or $MISSION_STORE; a command that needs one
    /// fails without it.
    func storeURL() throws -> String {
        guard let url = parsed.value("--store") ?? environment[StoreURL.environmentVariable], !url.isEmpty else {
            throw CommandFailure("name the store with --store postgres://USER@HOST[:PORT]/DB (or $\(StoreURL.environmentVariable))")
        }
        if let problem = StoreURL.problem(with: url) { throw CommandFailure(problem) }
        return url
    }

    func printJSON(_ value: JSONValue) {
        Console.out(String(decoding: JSONWriter.encode(value, pretty: !json), as: UTF8.self))
    }

    /// The missions store, read-only: for commands that only look.
    func readStore() throws -> MissionStore? {
        let directory = try existingDirectory()
        guard FileManager.default.fileExists(atPath: directory.missionsPath) else { return nil }
        return try Checkpoint.openStore(directory, mode: .readOnly).0
    }

    func printWhiteboard(_ board: Whiteboard) {
        printJSON(.object(board.json))
    }
}
