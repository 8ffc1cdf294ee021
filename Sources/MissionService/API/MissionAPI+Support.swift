import MissionModel
extension MissionAPI {
    /// Idempotency keys longer than this are refused rather than stored.
    static let maxIdempotencyKeyBytes = 255

    static func jsonObject(_ request: HTTPRequest) throws -> JSONObject {
        guard !request.body.isEmpty else { throw APIError.invalidJSON("the body is empty") }
        let value: JSONValue
        do {
            value = try JSONParser.parse(request.body)
        } catch {
            throw APIError.invalidJSON(error.description)
        }
        guard case .object(let object) = value else { throw APIError.invalid("the body must be a JSON object") }
        return object
    }

    static func idempotencyKey(_ request: HTTPRequest) throws -> String? {
        guard let key = request.head.header("idempotency-key") else { return nil }
        guard !key.isEmpty, key.utf8.count <= maxIdempotencyKeyBytes else {
            throw APIError.invalid("Idempotency-Key must be 1 to \(maxIdempotencyKeyBytes) bytes")
        }
        return key
    }

    static func sessionID(_ body: JSONObject) throws -> String? {
        guard let session = try body.optionalString("session_id") else { return nil }
        guard !session.isEmpty, session.utf8.count <= 200 else { throw APIError.invalid("session_id must be 1 to 200 bytes") }
        return session
    }

    static func integer(_ query: [String: String], _ name: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let text = query[name] else { return nil }
        guard let value = Int(text), range.contains(value) else {
            let bound = range.upperBound == Int.max ? "\(range.lowerBound) or more" : "\(range.lowerBound) to \(range.upperBound)"
            throw APIError.invalid("\(name) must be an integer, \(bound); got '\(text.prefix(40))'")
        }
        return value
    }

    /// 202 with `Location` for a new mission, 200 for any other envelope.
    static func envelope(_ envelope: ChatEnvelope) -> HTTPResponse {
        let location = envelope.type == .missionStarted ? envelope.whiteboardURL.map { [(name: "Location", value: $0)] } ?? [] : []
        return .json(envelope.httpStatus, members: envelope, headers: location)
    }
}
