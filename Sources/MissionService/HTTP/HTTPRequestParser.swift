import MissionModel
/// An incremental HTTP/1.1 request parser (RFC 9112) as an explicit step machine: feed it
/// bytes as they arrive, split anywhere, and take steps until it needs more. Requests may be
/// pipelined. Every limit is checked before more is buffered, and anything that could let two
/// parties frame a message differently (request smuggling) is refused; after an error the
/// connection must be closed.
public struct HTTPRequestParser {
    public struct Limits: Sendable, Equatable {
        /// Request line plus header section (CONTRACT §1: 32 KiB → 431).
        public var maxHeaderBytes = 32 << 10
        public var maxHeaderCount = 100
        /// Body, after de-chunking (CONTRACT §1: 1 MiB → 413).
        public var maxBodyBytes = 1 << 20
        public var maxChunkLineBytes = 4 << 10
        public var maxTrailerBytes = 8 << 10

        public init() {}
    }

    public enum Step: Equatable {
        case needMoreData
        case head(HTTPRequestHead)
        case body([UInt8])
        /// The current request is complete; the next step starts the next one.
        case end
        case error(HTTPParseError)
    }

    private enum State {
        case head
        case endPending
        case fixedBody(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers(bytes: Int)
        case failed(HTTPParseError)
    }

    public let limits: Limits
    private var buffer: [UInt8] = []
    private var index = 0
    private var state = State.head
    private var chunkedBodyBytes = 0

    public init(limits: Limits = Limits()) {
        self.limits = limits
    }

    public mutating func append(_ bytes: some Sequence<UInt8>) {
        if index == buffer.count {
            // All consumed (the usual case between keep-alive requests): start over in place.
            buffer.removeAll(keepingCapacity: true)
            index = 0
        } else if index > 64 << 10 && index * 2 > buffer.count {
            buffer.removeFirst(index)
            index = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// Removes and returns what was received past the last step (after an upgrade, the bytes
    /// belong to the new protocol).
    public mutating func takeBuffered() -> [UInt8] {
        defer {
            buffer = []
            index = 0
        }
        return Array(buffer[index...])
    }

    /// Bytes received and not yet consumed.
    public var buffered: Int { buffer.count - index }

    /// Whether the parser is between requests (nothing of a next one read yet).
    public var isIdle: Bool {
        if case .head = state { return buffered == 0 }
        return false
    }

    public mutating func next() -> Step {
        switch state {
        case .failed(let error):
            return .error(error)
        case .endPending:
            state = .head
            return .end
        case .head:
            return parseHead()
        case .fixedBody(let remaining):
            if remaining == 0 {
                state = .head
                return .end
            }
            guard let slice = take(upTo: remaining) else { return .needMoreData }
            state = .fixedBody(remaining: remaining - slice.count)
            return .body(slice)
        case .chunkSize:
            return parseChunkSize()
        case .chunkData(let remaining):
            guard let slice = take(upTo: remaining) else { return .needMoreData }
            state = remaining == slice.count ? .chunkDataEnd : .chunkData(remaining: remaining - slice.count)
            return .body(slice)
        case .chunkDataEnd:
            // Exactly CRLF, judged byte by byte, so that the verdict never depends on how the
            // input was split (a finding of the fuzzer).
            if buffered >= 1 && buffer[index] != 0x0D || buffered >= 2 && buffer[index + 1] != 0x0A {
                return fail(.badRequest("chunk data not followed by CRLF"))
            }
            guard buffered >= 2 else { return .needMoreData }
            index += 2
            state = .chunkSize
            return next()
        case .trailers(let bytes):
            guard let line = readLine(limit: limits.maxTrailerBytes - bytes) else {
                return needMore(orFail: bytes + buffered > limits.maxTrailerBytes, "trailer section over \(limits.maxTrailerBytes) bytes")
            }
            if line.isEmpty {
                state = .head
                return .end
            }
            state = .trailers(bytes: bytes + line.count + 2)
            return next()
        }
    }

    // MARK: Head

    private mutating func parseHead() -> Step {
        // RFC 9112 §2.2: ignore empty lines before a request line.
        while index < buffer.count, buffer[index] == 0x0A || (buffer[index] == 0x0D && index + 1 < buffer.count && buffer[index + 1] == 0x0A) {
            index += buffer[index] == 0x0D ? 2 : 1
        }
        guard let end = headerEnd() else {
            return needMore(orFail: buffered > limits.maxHeaderBytes, nil, .headersTooLarge(limit: limits.maxHeaderBytes))
        }
        guard end.bodyStart - index <= limits.maxHeaderBytes else { return fail(.headersTooLarge(limit: limits.maxHeaderBytes)) }
        let section = buffer[index..<end.sectionEnd]
        index = end.bodyStart
        // One pass over the lines, without arrays of them: every request comes through here.
        // A CR is judged first, over the whole section, as a line split would (CR only before LF).
        var cr = section.firstIndex(of: 0x0D)
        while let position = cr {
            guard position + 1 == section.endIndex || section[position + 1] == 0x0A else { return fail(.badRequest("a bare CR in the header section")) }
            cr = section[(position + 1)...].firstIndex(of: 0x0D)
        }
        let requestEnd = section.firstIndex(of: 0x0A) ?? section.endIndex
        let requestLine = Self.withoutCR(section[section.startIndex..<requestEnd])
        guard let (method, target, versionBytes) = Self.requestLineParts(requestLine) else {
            return fail(.badRequest("the request line is not METHOD TARGET HTTP-VERSION"))
        }
        let version: HTTPRequestHead.Version
        if versionBytes.elementsEqual(Self.http11) {
            version = .http11
        } else if versionBytes.elementsEqual(Self.http10) {
            version = .http10
        } else {
            let versionText = String(decoding: versionBytes, as: UTF8.self)
            let looksLikeHTTP = versionText.hasPrefix("HTTP/") && versionText.count == 8
            return fail(looksLikeHTTP ? .versionNotSupported(versionText) : .badRequest("'\(versionText.prefix(20))' is not an HTTP version"))
        }
        var headers: [(name: String, value: String)] = []
        headers.reserveCapacity(8)
        var hosts = 0
        var lineStart = requestEnd
        while lineStart < section.endIndex {
            lineStart += 1
            let lineEnd = section[lineStart...].firstIndex(of: 0x0A) ?? section.endIndex
            let line = Self.withoutCR(section[lineStart..<lineEnd])
            lineStart = lineEnd
            guard let first = line.first else { continue }
            guard first != 0x20 && first != 0x09 else { return fail(.badRequest("obsolete line folding in a header")) }
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { return fail(.badRequest("a header line without ':'")) }
            let name = line[line.startIndex..<colon]
            guard !name.isEmpty, name.allSatisfy(Self.isTokenByte) else {
                return fail(.badRequest("invalid header name (RFC 9112 §5.1: no space before ':')"))
            }
            var value = line[line.index(after: colon)...]
            while let byte = value.first, byte == 0x20 || byte == 0x09 { value = value.dropFirst() }
            while let byte = value.last, byte == 0x20 || byte == 0x09 { value = value.dropLast() }
            guard value.allSatisfy({ $0 == 0x09 || $0 >= 0x20 && $0 != 0x7F }) else { return fail(.badRequest("a control character in a header value")) }
            if name.count == 4 && name.elementsEqual(Self.host, by: { $0 | 0x20 == $1 }) { hosts += 1 }
            headers.append((String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self)))
            guard headers.count <= limits.maxHeaderCount else { return fail(.tooManyHeaders(limit: limits.maxHeaderCount)) }
        }
        var head = HTTPRequestHead(method: String(decoding: method, as: UTF8.self), target: String(decoding: target, as: UTF8.self),
                                   version: version, headers: headers, framing: .none)
        guard hosts <= 1, version == .http10 || hosts == 1 else { return fail(.badRequest("an HTTP/1.1 request needs exactly one Host header")) }
        switch framing(of: head) {
        case .failure(let error): return fail(error)
        case .success(let framing): head.framing = framing
        }
        switch head.framing {
        case .none: state = .endPending
        case .contentLength(let length): state = .fixedBody(remaining: length)
        case .chunked: chunkedBodyBytes = 0; state = .chunkSize
        }
        return .head(head)
    }

    private static let http11 = Array("HTTP/1.1".utf8)
    private static let http10 = Array("HTTP/1.0".utf8)
    private static let host = Array("host".utf8)

    private static func withoutCR(_ line: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        line.last == 0x0D ? line.dropLast() : line
    }

    /// METHOD SP TARGET SP VERSION: exactly two spaces, a token method, a visible-ASCII target.
    private static func requestLineParts(_ line: ArraySlice<UInt8>) -> (ArraySlice<UInt8>, ArraySlice<UInt8>, ArraySlice<UInt8>)? {
        guard let first = line.firstIndex(of: 0x20), let second = line[(first + 1)...].firstIndex(of: 0x20),
              !line[(second + 1)...].contains(0x20) else { return nil }
        let method = line[line.startIndex..<first]
        let target = line[(first + 1)..<second]
        guard !method.isEmpty, !target.isEmpty, method.allSatisfy(isTokenByte), target.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return nil }
        return (method, target, line[(second + 1)...])
    }

    /// How the body is delimited (RFC 9112 §6.1, §6.3), refusing every ambiguous combination.
    private func framing(of head: HTTPRequestHead) -> Result<HTTPRequestHead.Framing, HTTPParseError> {
        let codings = head.tokens("transfer-encoding")
        let lengths = head.values("content-length")
            .flatMap { $0.split(separator: ",", omittingEmptySubsequences: false) }
            .map { HTTPRequestHead.trimmingOWS($0) }
        if !codings.isEmpty {
            guard head.version == .http11 else { return .failure(.badRequest("Transfer-Encoding in an HTTP/1.0 request")) }
            guard lengths.isEmpty else { return .failure(.badRequest("both Content-Length and Transfer-Encoding")) }
            guard codings.last == "chunked" else { return .failure(.badRequest("Transfer-Encoding whose last coding is not chunked")) }
            guard codings.count == 1 else { return .failure(.notImplemented("Transfer-Encoding \(codings.joined(separator: ", "))")) }
            return .success(.chunked)
        }
        guard let first = lengths.first else { return .success(.none) }
        guard lengths.allSatisfy({ $0 == first }) else { return .failure(.badRequest("conflicting Content-Length values")) }
        guard !first.isEmpty, first.count <= 18, first.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let length = Int(first) else {
            return .failure(.badRequest("Content-Length '\(first.prefix(20))' is not a number"))
        }
        guard length <= limits.maxBodyBytes else { return .failure(.bodyTooLarge(limit: limits.maxBodyBytes)) }
        return .success(.contentLength(length))
    }

    /// End of the header section: CRLFCRLF (or bare-LF line ends, RFC 9112 §2.2).
    private func headerEnd() -> (sectionEnd: Int, bodyStart: Int)? {
        var position = index
        let limit = min(buffer.count, index + limits.maxHeaderBytes + 4)
        while position < limit {
            guard buffer[position] == 0x0A else { position += 1; continue }
            // A line ends here; the section ends if the next line is empty.
            if position + 1 < buffer.count, buffer[position + 1] == 0x0A { return (position, position + 2) }
            if position + 2 < buffer.count, buffer[position + 1] == 0x0D, buffer[position + 2] == 0x0A { return (position, position + 3) }
            position += 1
        }
        return nil
    }

    // MARK: Chunks

    private mutating func parseChunkSize() -> Step {
        guard let line = readLine(limit: limits.maxChunkLineBytes, crlf: true) else {
            return needMore(orFail: buffered > limits.maxChunkLineBytes, "a chunk-size line over \(limits.maxChunkLineBytes) bytes")
        }
        let digits = line.prefix { Self.hexValue($0) != nil }
        let rest = line.dropFirst(digits.count)
        guard !digits.isEmpty, digits.count <= 15, rest.isEmpty || rest.first == UInt8(ascii: ";") || rest.first == 0x20 || rest.first == 0x09 else {
            return fail(.badRequest("invalid chunk size"))
        }
        let size = digits.reduce(0) { $0 << 4 | Self.hexValue($1)! }
        chunkedBodyBytes += size
        guard chunkedBodyBytes <= limits.maxBodyBytes else { return fail(.bodyTooLarge(limit: limits.maxBodyBytes)) }
        state = size == 0 ? .trailers(bytes: 0) : .chunkData(remaining: size)
        return next()
    }

    // MARK: Helpers

    /// A line without its CRLF (or LF), if a whole one of at most `limit` bytes is buffered.
    /// A bare CR inside fails the parser (callers then report the error) and returns nil, as
    /// does a bare LF when `crlf` is required: chunked framing is read strictly (RFC 9112 §7.1),
    /// since parties that disagree on where a chunk ends can be made to see different requests.
    private mutating func readLine(limit: Int, crlf: Bool = false) -> ArraySlice<UInt8>? {
        let end = min(buffer.count, index + max(limit, 0) + 2)
        guard let newline = buffer[index..<end].firstIndex(of: 0x0A) else { return nil }
        var line = buffer[index..<newline]
        if line.last == 0x0D {
            line = line.dropLast()
        } else if crlf {
            state = .failed(.badRequest("a bare LF in chunked framing; lines end with CRLF"))
            return nil
        }
        if line.contains(0x0D) {
            state = .failed(.badRequest("a bare CR"))
            return nil
        }
        index = newline + 1
        return line
    }

    private mutating func take(upTo count: Int) -> [UInt8]? {
        let available = min(buffered, count)
        guard available > 0 else { return nil }
        defer { index += available }
        return Array(buffer[index..<(index + available)])
    }

    private mutating func needMore(orFail overLimit: Bool, _ reason: String?, _ error: HTTPParseError? = nil) -> Step {
        if case .failed(let error) = state { return .error(error) }
        guard overLimit else { return .needMoreData }
        return fail(error ?? .badRequest(reason ?? "malformed"))
    }

    private mutating func fail(_ error: HTTPParseError) -> Step {
        state = .failed(error)
        return .error(error)
    }

    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): return true
        default: return "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }

    static func hexValue(_ byte: UInt8) -> Int? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return Int(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return Int(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return Int(byte - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }
}
