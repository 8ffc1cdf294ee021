import MissionModel
import MissionStore
/// A request the API refuses: the status and `{"error": {"code", "message"}}` it answers with
/// (CONTRACT §4). Messages say what went wrong and how to fix it.
struct APIError: Error {
    var status: Int
    var code: String
    var message: String
    var headers: [(name: String, value: String)] = []
    /// More members of the `error` object (410's `first_seq`).
    var details: JSONObject = [:]

    static func invalidJSON(_ reason: String) -> APIError {
        APIError(status: 400, code: "invalid_json", message: "the body is not valid JSON (\(reason)); send a JSON object with Content-Type: application/json")
    }

    static func invalid(_ message: String) -> APIError {
        APIError(status: 400, code: "invalid_request", message: message)
    }

    static func notFound(_ message: String) -> APIError {
        APIError(status: 404, code: "not_found", message: message)
    }

    /// A read before the first kept seq (CONTRACT §10): those records were dropped by retention.
    static func gone(firstSeq: Int, asked: String) -> APIError {
        APIError(status: 410, code: "gone",
                 message: "\(asked) is before the first seq still kept, \(firstSeq): older records were dropped by retention; ask from \(firstSeq - 1) on",
                 details: ["first_seq": .int(firstSeq)])
    }

    /// A mission that is not known: when history has been dropped, it may have aged out.
    static func unknownMission(_ id: String, firstSeq: Int, agedOut: Bool = false) -> APIError {
        let name = id.prefix(100)
        if agedOut { return notFound("mission \(name) aged out: its records before seq \(firstSeq) were dropped by retention") }
        guard firstSeq > 1 else { return notFound("there is no mission \(name)") }
        return notFound("there is no mission \(name) in the log kept (seq \(firstSeq) on); missions that ended before that may have aged out")
    }

    static func conflict(_ message: String) -> APIError {
        APIError(status: 409, code: "conflict", message: message)
    }

    /// The one mapping from the service's errors to what a client is told, for HTTP answers
    /// and WebSocket error frames alike; nil for an error no client caused (a 500, logged).
    static func from(_ error: any Error) -> APIError? {
        switch error {
        case let error as APIError:
            return error
        case let error as LogError where error.refusesWrites:
            if case .unavailable = error {
                return APIError(status: 503, code: "store_unavailable", message: error.description,
                                headers: [("Retry-After", String(storeRetryAfterSeconds))])
            }
            if case .full = error {
                return APIError(status: 507, code: "insufficient_storage", message: error.description,
                                headers: [("Retry-After", String(fullDiskRetryAfterSeconds))])
            }
            return APIError(status: 503, code: "storage_failed", message: "\(error.description); see the server's log", headers: [("Retry-After", "60")])
        case let error as PostgresError:
            // A read that missed this node's memory and could not reach the store.
            return APIError(status: 503, code: "store_unavailable", message: "the store cannot be reached (\(error)); retry",
                            headers: [("Retry-After", String(storeRetryAfterSeconds))])
        case let error as RecordError:
            return .invalid("\(error.description); docs/API.md shows the request shape")
        case let error as SubmissionError:
            return .invalid(error.description)
        case let error as ChatError:
            return APIError(status: error.httpStatus, code: error.code, message: error.description)
        case let error as ExecutionQueue.Full:
            return APIError(status: 503, code: "queue_full", message: error.description,
                            headers: [("Retry-After", String(ExecutionQueue.Full.retryAfterSeconds))])
        default:
            return nil
        }
    }

    /// Seconds a client is asked to wait while the disk is full (CONTRACT §1: 1–5).
    static let fullDiskRetryAfterSeconds = 2
    /// When a client should try again while a cluster store cannot be reached: the node
    /// reconnects on its own, within seconds of the store's return.
    static let storeRetryAfterSeconds = 2

    var response: HTTPResponse {
        guard !details.isEmpty else { return .error(status, code, message, headers: headers) }
        var error: JSONObject = ["code": .string(code), "message": .string(message)]
        for member in details.members { error[member.key] = member.value }
        return .json(status, ["error": .object(error)], headers: headers)
    }
}
