import Testing
@testable import MissionService

@Suite struct HTTPRequestParserTests {
    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    static let valid: [(String, String, String, HTTPRequestHead.Framing, String, Bool)] = [
        // input, method, target, framing, body, keepAlive
        ("GET /health HTTP/1.1\r\nHost: x\r\n\r\n", "GET", "/health", .none, "", true),
        ("GET /a?b=c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "GET", "/a?b=c", .none, "", false),
        ("GET / HTTP/1.0\r\n\r\n", "GET", "/", .none, "", false),
        ("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", "GET", "/", .none, "", true),
        ("\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n", "GET", "/", .none, "", true),
        ("POST /chat HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello", "POST", "/chat", .contentLength(5), "hello", true),
        ("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc", "POST", "/", .contentLength(3), "abc", true),
        ("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3, 3\r\n\r\nabc", "POST", "/", .contentLength(3), "abc", true),
        ("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nTrailer: t\r\n\r\n", "POST", "/", .chunked, "hello world", true),
        ("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\n\r\nA\r\n0123456789\r\n0\r\n\r\n", "POST", "/", .chunked, "0123456789", true),
        ("GET / HTTP/1.1\nHost: x\n\n", "GET", "/", .none, "", true),
        ("DELETE /x HTTP/1.1\r\nHost: x\r\nX-Empty:\r\nX-Spaces:   padded value  \r\n\r\n", "DELETE", "/x", .none, "", true),
    ]

    @Test(arguments: valid)
    func parses_valid_requests_whole_at_every_split_and_byte_by_byte(input: String, method: String, target: String,
                                                                       framing: HTTPRequestHead.Framing, body: String, keepAlive: Bool) {
        let data = Self.bytes(input)
        let whole = HTTPRequestParser.mergingBodies(HTTPRequestParser.steps(of: [data]))
        guard case .head(let head)? = whole.first else { Issue.record("no head: \(whole)"); return }
        #expect(head.method == method)
        #expect(head.target == target)
        #expect(head.framing == framing)
        #expect(head.keepAlive == keepAlive)
        #expect(whole.last == .end)
        #expect(whole.dropFirst().dropLast() == (body.isEmpty ? [] : [.body(Self.bytes(body))]))
        for split in 0...data.count {
            #expect(HTTPRequestParser.mergingBodies(HTTPRequestParser.steps(of: [Array(data[..<split]), Array(data[split...])])) == whole, "split at \(split)")
        }
        #expect(HTTPRequestParser.mergingBodies(HTTPRequestParser.steps(of: data.map { [$0] })) == whole)
    }

    static let invalid: [(String, Int)] = [
        ("GET / HTTP/1.1\r\n\r\n", 400),                                                           // no Host
        ("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),                                      // two Hosts
        ("GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505),
        ("GET / HTTX/1.1\r\nHost: x\r\n\r\n", 400),
        ("GET  / HTTP/1.1\r\nHost: x\r\n\r\n", 400),                                                // double space
        ("GET /a b HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        ("G(T / HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400),                                                // space before colon
        ("GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n", 400),                                      // obs-fold
        ("GET / HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n", 400),
        ("GET / HTTP/1.1\rHost: x\r\n\r\n", 400),                                                   // bare CR
        ("GET / HTTP/1.1\r\nHost: x\u{0}y\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400), // smuggling
        ("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1e3\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n", 413),
        ("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501),
        ("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n", 400),        // data not followed by CRLF
        ("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFF\r\n", 400),
        ("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\n0\r\n\r\n", 400),      // bare LF after chunk data
        ("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\nab\r\n0\r\n\r\n", 400),      // bare LF after a chunk size
        ("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n100001\r\n", 413),
    ]

    @Test(arguments: invalid)
    func refuses_malformed_and_ambiguous_requests_with_the_right_status(input: String, status: Int) {
        let data = Self.bytes(input)
        let whole = HTTPRequestParser.steps(of: [data])
        guard case .error(let error)? = whole.last else { Issue.record("no error: \(whole)"); return }
        #expect(error.status == status, "\(error)")
        #expect(HTTPRequestParser.mergingBodies(HTTPRequestParser.steps(of: data.map { [$0] })).last == whole.last)
    }

    @Test func pipelined_requests_come_out_in_order() {
        let data = Self.bytes("GET /1 HTTP/1.1\r\nHost: x\r\n\r\nPOST /2 HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nokGET /3 HTTP/1.1\r\nHost: x\r\n\r\n")
        let steps = HTTPRequestParser.mergingBodies(HTTPRequestParser.steps(of: [data]))
        let targets = steps.compactMap { step -> String? in if case .head(let head) = step { return head.target } else { return nil } }
        #expect(targets == ["/1", "/2", "/3"])
        #expect(steps.filter { $0 == .end }.count == 3)
        #expect(steps.contains(.body(Self.bytes("ok"))))
        for split in stride(from: 0, through: data.count, by: 7) {
            #expect(HTTPRequestParser.mergingBodies(HTTPRequestParser.steps(of: [Array(data[..<split]), Array(data[split...])])) == steps)
        }
    }

    @Test func header_limits_answer_431_before_buffering_more() {
        var limits = HTTPRequestParser.Limits()
        limits.maxHeaderBytes = 64
        let long = "GET / HTTP/1.1\r\nHost: x\r\nX-Long: \(String(repeating: "a", count: 100))\r\n\r\n"
        #expect(HTTPRequestParser.steps(of: [Self.bytes(long)], limits: limits).last == .error(.headersTooLarge(limit: 64)))
        // No end of headers yet, but already over the limit: refused without waiting for more.
        #expect(HTTPRequestParser.steps(of: [Self.bytes(String(repeating: "G", count: 70))], limits: limits).last == .error(.headersTooLarge(limit: 64)))
        limits = HTTPRequestParser.Limits()
        limits.maxHeaderCount = 3
        let many = "GET / HTTP/1.1\r\nHost: x\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n"
        #expect(HTTPRequestParser.steps(of: [Self.bytes(many)], limits: limits).last == .error(.tooManyHeaders(limit: 3)))
    }

    @Test func the_body_is_delivered_as_it_arrives_and_an_error_is_final() {
        var parser = HTTPRequestParser()
        parser.append(Self.bytes("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nExpect: 100-continue\r\n\r\n"))
        guard case .head(let head) = parser.next() else { Issue.record("no head"); return }
        #expect(head.expectsContinue)
        #expect(head.header("content-length") == "10")
        #expect(parser.next() == .needMoreData)
        parser.append(Self.bytes("12345"))
        #expect(parser.next() == .body(Self.bytes("12345")))
        parser.append(Self.bytes("67890GET"))
        #expect(parser.next() == .body(Self.bytes("67890")))
        #expect(parser.next() == .end)
        #expect(parser.next() == .needMoreData)
        var broken = HTTPRequestParser()
        broken.append(Self.bytes("BAD\r\n\r\n"))
        guard case .error = broken.next() else { Issue.record("no error"); return }
        broken.append(Self.bytes("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
        guard case .error = broken.next() else { Issue.record("recovered after an error"); return }
    }

    @Test func head_helpers_read_paths_queries_and_tokens() throws {
        let steps = HTTPRequestParser.steps(of: [Self.bytes("GET /api/missions?status=queued&limit=5 HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, Upgrade\r\nConnection: close\r\n\r\n")])
        guard case .head(let head)? = steps.first else { Issue.record("no head"); return }
        #expect(head.path == "/api/missions")
        #expect(head.query == "status=queued&limit=5")
        #expect(head.tokens("connection") == ["keep-alive", "upgrade", "close"])
        #expect(!head.keepAlive)
    }
}

extension HTTPRequestHead.Framing: CustomTestStringConvertible {
    public var testDescription: String { "\(self)" }
}
