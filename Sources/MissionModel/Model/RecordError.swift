/// Why a JSON object is not a valid record of its kind.
public enum RecordError: Error, Sendable, Equatable, CustomStringConvertible {
    case missingField(String)
    case wrongType(field: String, expected: String)
    case invalidValue(field: String, reason: String)

    public var description: String {
        switch self {
        case .missingField(let field): return "missing field '\(field)'"
        case .wrongType(let field, let expected): return "field '\(field)' must be \(expected)"
        case .invalidValue(let field, let reason): return "field '\(field)': \(reason)"
        }
    }
}

extension JSONObject {
    package func requiredString(_ key: String) throws(RecordError) -> String {
        guard let value = self[key], !value.isNull else { throw .missingField(key) }
        guard let string = value.stringValue else { throw .wrongType(field: key, expected: "a string") }
        return string
    }

    package func optionalString(_ key: String) throws(RecordError) -> String? {
        guard let value = self[key], !value.isNull else { return nil }
        guard let string = value.stringValue else { throw .wrongType(field: key, expected: "a string") }
        return string
    }

    package func optionalInt(_ key: String) throws(RecordError) -> Int? {
        guard let value = self[key], !value.isNull else { return nil }
        guard let int = value.intValue else { throw .wrongType(field: key, expected: "an integer") }
        return int
    }

    package func optionalDouble(_ key: String) throws(RecordError) -> Double? {
        guard let value = self[key], !value.isNull else { return nil }
        guard let double = value.doubleValue, double.isFinite else { throw .wrongType(field: key, expected: "a number") }
        return double
    }

    package func optionalBool(_ key: String) throws(RecordError) -> Bool? {
        guard let value = self[key], !value.isNull else { return nil }
        guard let bool = value.boolValue else { throw .wrongType(field: key, expected: "true or false") }
        return bool
    }

    package func optionalObject(_ key: String) throws(RecordError) -> JSONObject? {
        guard let value = self[key], !value.isNull else { return nil }
        guard let object = value.objectValue else { throw .wrongType(field: key, expected: "an object") }
        return object
    }

    package func optionalTimestamp(_ key: String) throws(RecordError) -> Timestamp? {
        guard let text = try optionalString(key) else { return nil }
        guard let timestamp = Timestamp(parsing: text) else {
            throw .invalidValue(field: key, reason: "'\(text)' is not an RFC 3339 timestamp")
        }
        return timestamp
    }

    package func stringArray(_ key: String) throws(RecordError) -> [String] {
        guard let value = self[key], !value.isNull else { return [] }
        guard let array = value.arrayValue else { throw .wrongType(field: key, expected: "an array of strings") }
        var strings: [String] = []
        for element in array {
            guard let string = element.stringValue else { throw .wrongType(field: key, expected: "an array of strings") }
            strings.append(string)
        }
        return strings
    }
}

extension JSONValue {
    package static func strings(_ values: [String]) -> JSONValue { .array(values.map { .string($0) }) }
    package static func timestamp(_ value: Timestamp) -> JSONValue { .string(value.formatted) }
}
