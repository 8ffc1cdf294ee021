/// Answers to `Idempotency-Key`s, oldest forgotten first past `limit`. Keys that created a
/// mission need no memory (the log has them); this covers the rest for the life of the process.
struct RememberedAnswers {
    private var answers: [String: (fingerprint: String, envelope: ChatEnvelope)] = [:]
    private var order: [String] = []
    private var head = 0
    let limit: Int

    init(limit: Int) {
        self.limit = max(limit, 1)
    }

    func answer(for key: String) -> (String, ChatEnvelope)? {
        answers[key].map { ($0.fingerprint, $0.envelope) }
    }

    mutating func remember(_ key: String, fingerprint: String, envelope: ChatEnvelope) {
        if answers.updateValue((fingerprint, envelope), forKey: key) == nil { order.append(key) }
        while answers.count > limit {
            answers[order[head]] = nil
            head += 1
        }
        if head > limit {
            order.removeFirst(head)
            head = 0
        }
    }
}
