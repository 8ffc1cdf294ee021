import MissionModel
/// A chat message to act on, from any channel.
public struct ChatRequest: Sendable, Hashable {
    public var message: String
    public var sessionID: String?
    public var messageID: String?
    public var idempotencyKey: String?
    /// Overrides the server's double-texting policy for this message.
    public var policy: DoubleTextingPolicy?
    public var channel: MissionSource.Channel

    public init(message: String, sessionID: String? = nil, messageID: String? = nil, idempotencyKey: String? = nil,
                policy: DoubleTextingPolicy? = nil, channel: MissionSource.Channel = .chat) {
        self.message = message
        self.sessionID = sessionID
        self.messageID = messageID
        self.idempotencyKey = idempotencyKey
        self.policy = policy
        self.channel = channel
    }

    /// What makes two requests under one `Idempotency-Key` "the same body".
    var fingerprint: String { DedupKey.fingerprint(["chat", message, sessionID ?? ""]) }
}

/// What to do when a session sends a new actionable message while its previous mission is
/// still queued or active.
public enum DoubleTextingPolicy: String, Sendable, Hashable, CaseIterable {
    /// Start the new mission as well (the default).
    case enqueue
    /// Do not start it; the reply says what is still running.
    case reject
    /// Cancel the previous mission, then start the new one.
    case interrupt
}
