import Foundation
import MissionTestSupport

/// A `mission serve` child on a free port: on a cluster store (`--store`) or on its data
/// directory alone; asked with curl.
final class ServeNode: Sendable {
    let process: ChildProcess
    let port: Int
    let data: TemporaryDirectory

    init(_ store: String?, arguments: [String] = [], data: TemporaryDirectory = TemporaryDirectory()) async throws {
        self.data = data
        process = try ChildProcess(["serve"] + (store.map { ["--store", $0] } ?? []) + ["--port", "0", "--data", data.path] + arguments)
        guard await process.waitFor("listening on"), let line = process.stdout.split(separator: "\n").first(where: { $0.hasPrefix("listening on") }),
              let port = line.split(separator: ":").last.flatMap({ Int($0) }) else {
            process.signal(SIGKILL)
            throw Failure("the node did not start: \(process.stderr)")
        }
        self.port = port
    }

    var url: String { "http://127.0.0.1:\(port)" }

    /// curl's status and body.
    func curl(_ path: String, post body: String? = nil, headers: [String] = []) async throws -> (status: Int, body: String) {
        var arguments = ["-s", "-o", "-", "-w", "\n%{http_code}", url + path]
        if let body { arguments += ["-X", "POST", "-H", "Content-Type: application/json", "-d", body] }
        for header in headers { arguments += ["-H", header] }
        let result = try await TestPostgres.runProgram("/usr/bin/curl", arguments)
        let lines = result.output.split(separator: "\n", omittingEmptySubsequences: false)
        return (Int(lines.last ?? "") ?? 0, lines.dropLast().joined(separator: "\n"))
    }

    /// SIGTERM, and its exit status.
    @discardableResult
    func stop() async -> Int32 {
        process.signal(SIGTERM)
        return await process.wait()
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }
}
