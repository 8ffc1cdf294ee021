import MissionModel
/// Why a request cannot be read. Each maps to the status to answer with before closing the
/// connection: after any of these the byte stream can no longer be trusted.
public enum HTTPParseError: Error, Sendable, Equatable, CustomStringConvertible {
    case badRequest(String)
    case headersTooLarge(limit: Int)
    case tooManyHeaders(limit: Int)
    case bodyTooLarge(limit: Int)
    case notImplemented(String)
    case versionNotSupported(String)

    public var status: Int {
        switch self {
        case .badRequest: return 400
        case .headersTooLarge, .tooManyHeaders: return 431
        case .bodyTooLarge: return 413
        case .notImplemented: return 501
        case .versionNotSupported: return 505
        }
    }

    public var code: String {
        switch self {
        case .badRequest: return "invalid_request"
        case .headersTooLarge, .tooManyHeaders: return "headers_too_large"
        case .bodyTooLarge: return "payload_too_large"
        case .notImplemented: return "not_implemented"
        case .versionNotSupported: return "http_version_not_supported"
        }
    }

    public var description: String {
        switch self {
        case .badRequest(let reason): return "malformed request: \(reason)"
        case .headersTooLarge(let limit): return "the request line and headers are over \(limit) bytes"
        case .tooManyHeaders(let limit): return "more than \(limit) header fields"
        case .bodyTooLarge(let limit): return "the body is over \(limit) bytes; send less"
        case .notImplemented(let what): return "\(what) is not supported"
        case .versionNotSupported(let version): return "\(version) is not supported; use HTTP/1.1"
        }
    }
}
