/// The outcome of a mission's last attempt, as recorded on a terminal status update.
public struct ExecutionResult: Sendable, Hashable {
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

    init(json: JSONObject) throws(RecordError) {
        guard let success = json["success"]?.boolValue else { throw .missingField("execution_result.success") }
        self.success = success
        finalAnswer = try json.optionalString("final_answer") ?? ""
        toolsUsed = try json.stringArray("tools_used")
        error = try json.optionalString("error")
    }

    public var json: JSONObject {
        var object: JSONObject = [
            "success": .bool(success),
            "final_answer": .string(finalAnswer),
            "tools_used": .strings(toolsUsed),
        ]
        object.set("error", error.map(JSONValue.string))
        return object
    }
}
