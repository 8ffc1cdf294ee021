import MissionModel
/// Requests the orchestrator refuses; each maps to an HTTP status and error code.
public enum ChatError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 409 `idempotency_key_reused`: the key was first used with a different body.
    case idempotencyKeyReused(String)
    /// 400 `invalid_request`.
    case invalid(String)

    public var code: String {
        switch self {
        case .idempotencyKeyReused: return "idempotency_key_reused"
        case .invalid: return "invalid_request"
        }
    }

    public var httpStatus: Int {
        switch self {
        case .idempotencyKeyReused: return 409
        case .invalid: return 400
        }
    }

    public var description: String {
        switch self {
        case .idempotencyKeyReused(let key):
            return "Idempotency-Key '\(key)' was already used with a different request body; use a new key for a new request"
        case .invalid(let message):
            return message
        }
    }
}
