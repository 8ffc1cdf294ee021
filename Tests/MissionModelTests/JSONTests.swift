import Testing
@testable import MissionModel

@Suite struct JSONTests {
    static let valid: [(String, JSONValue)] = [
        ("null", .null), ("true", .bool(true)), ("false", .bool(false)),
        ("0", .int(0)), ("-12", .int(-12)), ("1.5", .double(1.5)), ("1e3", .double(1000)), ("-0.25E-2", .double(-0.0025)),
        ("123456789012345678901", .double(Double("123456789012345678901")!)),
        ("\"a\\\"b\\\\c\\/d\\n\\t\"", .string("a\"b\\c/d\n\t")),
        ("\"\\u00e9\\ud83d\\ude00\"", .string("é😀")), ("\"é😀\"", .string("é😀")),
        ("[]", .array([])), ("[1,[2,{}]]", .array([.int(1), .array([.int(2), .object([:])])])),
        (" {\"a\" : 1 , \"b\":[true]} ", .object(["a": .int(1), "b": .array([.bool(true)])])),
    ]

    @Test(arguments: valid)
    func parses_valid_documents(text: String, expected: JSONValue) throws {
        #expect(try JSONParser.parse(text) == expected)
    }

    static let invalid: [String] = [
        "", " ", "{", "}", "[1,]", "{\"a\":1,}", "{a:1}", "'a'", "01", "1.", ".5", "-", "1e", "+1",
        "tru", "nul", "\"abc", "\"\\x\"", "\"\\u12\"", "\"\\ud800\"", "\"\\udc00\"", "\"a\nb\"", "[1 2]", "{\"a\" 1}",
        "1 2", "[]]", "{\"a\":}", "nan", "Infinity",
        "1e400", "-1e400",  // out of range: found by fuzzing (it could not be written back)
    ]

    @Test(arguments: invalid)
    func rejects_invalid_documents(text: String) {
        #expect(throws: JSONParser.Error.self) { try JSONParser.parse(text) }
    }

    @Test func rejects_invalid_utf8_and_deep_nesting() {
        #expect(throws: JSONParser.Error.self) { try JSONParser.parse([0x22, 0xC3, 0x28, 0x22]) }
        #expect(throws: JSONParser.Error.self) { try JSONParser.parse(String(repeating: "[", count: 100) + String(repeating: "]", count: 100)) }
        #expect(throws: Never.self) { try JSONParser.parse(String(repeating: "[", count: 60) + String(repeating: "]", count: 60)) }
    }

    @Test(arguments: valid)
    func writer_output_parses_back_to_the_same_value(text: String, value: JSONValue) throws {
        #expect(try JSONParser.parse(JSONWriter.encode(value)) == value)
        #expect(try JSONParser.parse(JSONWriter.encode(value, pretty: true)) == value)
    }

    @Test func writer_escapes_control_characters_and_keeps_member_order() {
        let object: JSONObject = ["z": .string("a\u{01}\"\n"), "a": .double(30), "m": .double(0.5), "n": .int(-45)]
        #expect(JSONWriter.string(.object(object)) == #"{"z":"a\u0001\"\n","a":30,"m":0.5,"n":-45}"#)
        #expect(JSONWriter.string(.double(.nan)) == "null")
    }

    @Test func repeated_keys_resolve_to_the_last_one() throws {
        let object = try JSONParser.parse(#"{"a":1,"a":2}"#).objectValue!
        #expect(object["a"] == .int(2))
    }
}

@Suite struct TimestampTests {
    @Test(arguments: [
        ("2026-11-21T10:00:00.000Z", "2026-11-21T10:00:00.000Z"),
        ("2026-02-07T12:34:56.123456", "2026-02-07T12:34:56.123Z"),
        ("2026-02-07T12:34:56.5+00:00", "2026-02-07T12:34:56.500Z"),
        ("2026-02-07T14:34:56+02:00", "2026-02-07T12:34:56.000Z"),
        ("1999-12-31T23:59:59.999Z", "1999-12-31T23:59:59.999Z"),
        ("2024-02-29T00:00:00Z", "2024-02-29T00:00:00.000Z"),
        ("1969-12-31T23:59:59.001Z", "1969-12-31T23:59:59.001Z"),
    ])
    func parses_and_formats_rfc3339(input: String, formatted: String) throws {
        #expect(Timestamp(parsing: input)?.formatted == formatted)
    }

    @Test(arguments: ["", "2026-11-21", "2026-13-01T00:00:00Z", "2026-11-21T25:00:00Z", "2026-11-21T10:00:00.Z", "2026-11-21T10:00:00Zjunk", "yesterday"])
    func rejects_what_is_not_a_timestamp(input: String) {
        #expect(Timestamp(parsing: input) == nil)
    }

    @Test func epoch_is_formatted_exactly() {
        #expect(Timestamp(millisecondsSinceEpoch: 0).formatted == "1970-01-01T00:00:00.000Z")
        #expect(Timestamp(millisecondsSinceEpoch: 1_795_255_200_123).formatted == "2026-11-21T10:00:00.123Z")
    }
}
