/// The outcome of a mission's last attempt, as recorded on a terminal status update.
public struct ExecutionResult: Sendable, Hashable, JSONMembers {
    /// Longest `final_answer` or `error` kept in a record (in UTF-8 bytes); a log record has a
    /// size limit, and a tool's output has none.
    public static let maxTextBytes = 256 << 10

    public var success: Bool
    public var finalAnswer: String
    public var toolsUsed: [String]
    public var error: String?

    public init(success: Bool, finalAnswer: String, toolsUsed: [String], error: String? = nil) {
        self.success = success
        self.finalAnswer = finalAnswer
        self.toolsUsed = toolsUsed
        self.error = error
    }

    /// This result with its texts cut to `maxTextBytes`, saying so where they were cut.
    public func clipped(to limit: Int = maxTextBytes) -> ExecutionResult {
        var result = self
        result.finalAnswer = Self.clip(finalAnswer, limit)
        result.error = error.map { Self.clip($0, limit) }
        return result
    }

    package static func clip(_ text: String, _ limit: Int) -> String {
        guard text.utf8.count > limit else { return text }
        var kept = String.UnicodeScalarView()
        var bytes = 0
        for scalar in text.unicodeScalars {
            bytes += UTF8.width(scalar)
            if bytes > limit { break }
            kept.append(scalar)
        }
        return String(kept) + "\n[cut at \(limit) of \(text.utf8.count) bytes]"
    }

    package init(json: JSONObject) throws(RecordError) {
        guard let success = json["success"]?.boolValue else { throw .missingField("execution_result.success") }
        self.success = success
        finalAnswer = try json.optionalString("final_answer") ?? ""
        toolsUsed = try json.stringArray("tools_used")
        error = try json.optionalString("error")
    }

    public func members<Sink: JSONMemberSink>(into sink: inout Sink) {
        sink.member("success", .bool(success))
        sink.member("final_answer", .string(finalAnswer))
        sink.member("tools_used", .strings(toolsUsed))
        sink.member("error", ifPresent: error.map(JSONValue.string))
    }
}
