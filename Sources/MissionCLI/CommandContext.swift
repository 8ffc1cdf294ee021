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

    /// The existing data directory and its lock, for a command that works only while no
    /// service runs there (`repair`, `compact`); `instead` says what to do otherwise.
    func stoppedDirectory(_ command: String, instead: String = "stop it first") throws -> (DataDirectory, DirectoryLock) {
        let directory = try existingDirectory()
        do {
            return (directory, try directory.lock())
        } catch DataDirectoryError.busy {
            throw CommandFailure("\(directory.path) is in use by another process (a `mission serve`?); \(command) works only on a stopped data directory: \(instead)")
        }
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

    /// The cluster store a command works on, if it names one: `--store`, else (unless `--data`
    /// names a directory) $MISSION_STORE. Nil: the data directory.
    func namedStore() throws -> String? {
        if parsed.value("--store") != nil { return try storeURL() }
        if parsed.value("--data") != nil { return nil }
        guard let url = environment[StoreURL.environmentVariable], !url.isEmpty else { return nil }
        return try storeURL()
    }

    /// Where a command reads missions from, for its messages.
    var place: String {
        (try? namedStore()).flatMap { $0.map(StoreURL.redacted) } ?? directory.missionsPath
    }

    /// Runs `body` with the missions store, read-only (nil: the data directory has no log yet):
    /// for commands that only look. A cluster store is closed afterwards.
    func withReadStore<T>(_ body: (MissionStore?) async throws -> T) async throws -> T {
        guard let url = try namedStore() else {
            let directory = try existingDirectory()
            guard FileManager.default.fileExists(atPath: directory.missionsPath) else { return try await body(nil) }
            return try await body(try Checkpoint.openStore(directory, mode: .readOnly).0)
        }
        let cluster = try await ClusterStore.open(url)
        defer { cluster.close() }
        let store = try await cluster.missions()
        do {
            let result = try await body(store)
            await store.close()
            return result
        } catch {
            await store.close()
            throw error
        }
    }

    func printWhiteboard(_ board: Whiteboard) {
        printJSON(.object(board.json))
    }
}
