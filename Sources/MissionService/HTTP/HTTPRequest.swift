/// A whole request as the responder sees it: head and de-chunked body.
public struct HTTPRequest: Sendable {
    public var head: HTTPRequestHead
    public var body: [UInt8]

    public init(head: HTTPRequestHead, body: [UInt8] = []) {
        self.head = head
        self.body = body
    }

    public var method: String { head.method }
    public var path: String { head.path }

    /// Query parameters, percent-decoded; the first value of each name.
    public var query: [String: String] {
        var result: [String: String] = [:]
        for pair in (head.query ?? "").split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = Self.percentDecoded(parts[0])
            if result[name] == nil { result[name] = parts.count > 1 ? Self.percentDecoded(parts[1]) : "" }
        }
        return result
    }

    static func percentDecoded(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "+"): bytes.append(0x20)
            case UInt8(ascii: "%"):
                if let high = iterator.next().flatMap(HTTPRequestParser.hexValue), let low = iterator.next().flatMap(HTTPRequestParser.hexValue) {
                    bytes.append(UInt8(high << 4 | low))
                }
            default: bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
