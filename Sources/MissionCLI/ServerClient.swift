import MissionService
import MissionModel
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The CLI's way to a running `mission serve` (`--server URL`): one JSON request, the JSON
/// answer, and the server's error envelope turned into a message.
struct ServerClient: Sendable {
    /// URLSession's own timeout is not enforced on Linux; this one is.
    static let timeout: Duration = .seconds(30)

    let base: URL
    let token: String?

    init(_ url: String, token: String?) throws {
        guard let base = URL(string: url.hasSuffix("/") ? String(url.dropLast()) : url), ["http", "https"].contains(base.scheme ?? ""), base.host != nil else {
            throw ArgumentError.invalidValue(command: "server", option: "--server", value: url, expected: "a URL such as http://127.0.0.1:8080")
        }
        self.base = base
        self.token = token
    }

    /// GETs or POSTs; returns status and JSON body, throwing `CommandFailure` for an error
    /// answer (with the server's code and message) or an unreachable server.
    func request(_ method: String, _ path: String, query: [(String, String)] = [], body: JSONObject? = nil,
                 headers: [String: String] = [:]) async throws -> (status: Int, body: JSONValue) {
        var components = URLComponents(url: base.appendingPathComponent(path), resolvingAgainstBaseURL: false)!
        if !query.isEmpty { components.queryItems = query.map { URLQueryItem(name: $0.0, value: $0.1) } }
        var request = URLRequest(url: components.url!)
        request.httpMethod = method
        if let body {
            request.httpBody = Data(JSONWriter.encode(body))
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let prepared = request
        let data: Data, response: URLResponse
        do {
            (data, response) = try await withTimeout(Self.timeout, orThrow: { [base] in CommandFailure("\(base) did not answer within \(Self.timeout)") }) {
                try await URLSession.shared.data(for: prepared)
            }
        } catch let error as CommandFailure {
            throw error
        } catch {
            throw CommandFailure("cannot reach \(base): \(error.localizedDescription); is `mission serve` running there?")
        }
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        let json = (try? JSONParser.parse(Array(data))) ?? .null
        guard (200..<300).contains(status) else {
            let error = json.objectValue?["error"]?.objectValue
            let code = error?["code"]?.stringValue ?? "http_\(status)"
            let hint = status != 401 ? "" : token == nil
                ? " (this server needs a token: give it with --token T or $MISSION_TOKEN)"
                : " (the token given with --token or $MISSION_TOKEN is not this server's)"
            throw CommandFailure("the server answered \(status) \(code): \(error?["message"]?.stringValue ?? String(decoding: data.prefix(300), as: UTF8.self))\(hint)")
        }
        return (status, json)
    }
}
