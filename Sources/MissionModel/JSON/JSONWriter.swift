/// Encodes `JSONValue`s to UTF-8 bytes without Foundation: `JSONSerialization` encodes only
/// ~24k records/s on Linux and `JSONEncoder` ~170k, both below what the log must sustain.
public struct JSONWriter {
    public private(set) var bytes: [UInt8] = []
    private let pretty: Bool
    private var level = 0
    /// Whether the object being written by `write(members:)` has no member yet.
    private var atFirstMember = true

    public init(pretty: Bool = false, reserve: Int = 256) {
        self.pretty = pretty
        bytes.reserveCapacity(reserve)
    }

    public static func encode(_ value: JSONValue, pretty: Bool = false) -> [UInt8] {
        var writer = JSONWriter(pretty: pretty)
        writer.write(value)
        return writer.bytes
    }

    public static func encode(_ object: JSONObject, pretty: Bool = false) -> [UInt8] {
        encode(.object(object), pretty: pretty)
    }

    /// The object's bytes, written member by member (never pretty).
    public static func encode(members value: some JSONMembers, reserve: Int = 256) -> [UInt8] {
        var writer = JSONWriter(reserve: reserve)
        writer.write(members: value)
        return writer.bytes
    }

    public static func string(_ value: JSONValue, pretty: Bool = false) -> String {
        String(decoding: encode(value, pretty: pretty), as: UTF8.self)
    }

    public mutating func write(_ value: JSONValue) {
        switch value {
        case .null: append("null")
        case .bool(let b): append(b ? "true" : "false")
        case .int(let i): writeInt(i)
        case .double(let d): writeDouble(d)
        case .string(let s): writeString(s)
        case .array(let elements): writeArray(elements)
        case .object(let object): writeObject(object)
        }
    }

    private mutating func writeArray(_ elements: [JSONValue]) {
        bytes.append(UInt8(ascii: "["))
        if elements.isEmpty { bytes.append(UInt8(ascii: "]")); return }
        level += 1
        for (i, element) in elements.enumerated() {
            if i > 0 { bytes.append(UInt8(ascii: ",")) }
            newline()
            write(element)
        }
        level -= 1
        newline()
        bytes.append(UInt8(ascii: "]"))
    }

    private mutating func writeObject(_ object: JSONObject) {
        bytes.append(UInt8(ascii: "{"))
        if object.members.isEmpty { bytes.append(UInt8(ascii: "}")); return }
        level += 1
        for (i, member) in object.members.enumerated() {
            if i > 0 { bytes.append(UInt8(ascii: ",")) }
            newline()
            writeString(member.key)
            bytes.append(UInt8(ascii: ":"))
            if pretty { bytes.append(UInt8(ascii: " ")) }
            write(member.value)
        }
        level -= 1
        newline()
        bytes.append(UInt8(ascii: "}"))
    }

    private mutating func newline() {
        guard pretty else { return }
        bytes.append(0x0A)
        for _ in 0..<level { bytes.append(0x20); bytes.append(0x20) }
    }

    private mutating func append(_ literal: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    /// Appends bytes that are already JSON.
    public mutating func writeRaw(_ literal: StaticString) {
        append(literal)
    }

    public mutating func writeInt(_ value: Int) {
        if value >= 0 && value < 10 {
            bytes.append(UInt8(ascii: "0") + UInt8(value))
            return
        }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var magnitude = value.magnitude
        var count = 0
        withUnsafeMutableBytes(of: &digits) { raw in
            repeat {
                raw[19 - count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            } while magnitude > 0
            if value < 0 { bytes.append(UInt8(ascii: "-")) }
            bytes.append(contentsOf: raw[(20 - count)...])
        }
    }

    private mutating func writeDouble(_ value: Double) {
        guard value.isFinite else { append("null"); return }
        if value.rounded() == value && abs(value) < 1e15 {
            writeInt(Int(value))
        } else {
            bytes.append(contentsOf: value.description.utf8)
        }
    }

    public mutating func writeString(_ string: String) {
        bytes.append(UInt8(ascii: "\""))
        // Most strings need no escaping: their bytes are checked and copied in one go.
        let copied = string.utf8.withContiguousStorageIfAvailable { storage in
            guard !storage.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) else { return false }
            bytes.append(contentsOf: storage)
            return true
        }
        if copied != true {
            var copy = string
            copy.makeContiguousUTF8()
            for byte in copy.utf8 { appendEscaped(byte) }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func appendEscaped(_ byte: UInt8) {
        switch byte {
        case UInt8(ascii: "\""): bytes.append(0x5C); bytes.append(byte)
        case UInt8(ascii: "\\"): bytes.append(0x5C); bytes.append(byte)
        case 0x0A: bytes.append(0x5C); bytes.append(UInt8(ascii: "n"))
        case 0x0D: bytes.append(0x5C); bytes.append(UInt8(ascii: "r"))
        case 0x09: bytes.append(0x5C); bytes.append(UInt8(ascii: "t"))
        case 0..<0x20:
            let hex = Array("0123456789abcdef".utf8)
            bytes.append(contentsOf: [0x5C, UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
        default: bytes.append(byte)
        }
    }
}

extension JSONWriter: JSONMemberSink {
    /// Writes `value` as an object, straight from its members.
    public mutating func write(members value: some JSONMembers) {
        precondition(!pretty, "objects written from their members are never pretty")
        let outer = atFirstMember
        atFirstMember = true
        bytes.append(UInt8(ascii: "{"))
        value.members(into: &self)
        bytes.append(UInt8(ascii: "}"))
        atFirstMember = outer
    }

    public mutating func member(_ key: String, _ value: JSONValue) {
        writeKey(key)
        write(value)
    }

    public mutating func member(_ key: String, _ object: some JSONMembers) {
        writeKey(key)
        write(members: object)
    }

    private mutating func writeKey(_ key: String) {
        if !atFirstMember { bytes.append(UInt8(ascii: ",")) }
        atFirstMember = false
        writeString(key)
        bytes.append(UInt8(ascii: ":"))
    }
}
