/// A request the API refuses: the status and `{"error": {"code", "message"}}` it answers with
/// (CONTRACT §4). Messages say what went wrong and how to fix it.
struct APIError: Error {
    var status: Int
    var code: String
    var message: String
    var headers: [(name: String, value: String)] = []

    static func invalidJSON(_ reason: String) -> APIError {
        APIError(status: 400, code: "invalid_json", message: "the body is not valid JSON (\(reason)); send a JSON object with Content-Type: application/json")
    }

    static func invalid(_ message: String) -> APIError {
        APIError(status: 400, code: "invalid_request", message: message)
    }

    static func notFound(_ message: String) -> APIError {
        APIError(status: 404, code: "not_found", message: message)
    }

    static func conflict(_ message: String) -> APIError {
        APIError(status: 409, code: "conflict", message: message)
    }

    var response: HTTPResponse {
        .error(status, code, message, headers: headers)
    }
}
