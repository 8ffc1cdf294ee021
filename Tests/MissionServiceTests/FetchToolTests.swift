import MissionModel
@testable import MissionStore
import Foundation
import MissionTestSupport
import Testing
@testable import MissionService

@Suite struct HTMLScannerTests {
    let base = URL(string: "http://site.test/dir/page.html")!

    @Test func reads_title_links_and_visible_text() {
        let page = HTMLScanner.scan("""
            <!DOCTYPE html><html><head><TITLE> Tom &amp; Jerry&#39;s  &#x263A; </TITLE>
            <script>document.write("<a href='/no'>no</a>")</script><style>a{}</style></head>
            <body><!-- <a href="/commented">x</a> --><h1>Hello&nbsp;world</h1><p>First  words
            here</p><a href="other.html#top">rel</a><A HREF='/abs.html'>abs</A><a href=bare.html>bare</a>
            <a href="other.html">dup</a><a href="https://x.test/">ext</a><a href="javascript:void(0)">js</a>
            <a title="t" href = "spaced.html">spaced</a><a data-href="/not" >no href</a></body>
            """, base: base)
        #expect(page.title == "Tom & Jerry's ☺")
        #expect(page.links.map(\.absoluteString) == ["http://site.test/dir/other.html", "http://site.test/abs.html",
                                                     "http://site.test/dir/bare.html", "https://x.test/", "http://site.test/dir/spaced.html"])
        #expect(page.text.hasPrefix("Hello world First words here rel abs bare"))
        #expect(!page.text.contains("document.write"))
        #expect(page.firstWords(3) == "Hello world First …")
    }

    @Test func base_href_and_broken_markup_are_tolerated() {
        let page = HTMLScanner.scan("<base href='http://cdn.test/x/'><a href='y.html'>y</a><p>unclosed <b>tags &bogus; <a href=", base: base)
        #expect(page.links.map(\.absoluteString) == ["http://cdn.test/x/y.html"])
        #expect(page.text == "y unclosed tags &bogus;")
        #expect(HTMLScanner.scan("", base: base) == HTMLScanner.Page(title: "", links: [], text: ""))
    }
}

@Suite struct RobotsTxtTests {
    static let file = """
        # comment
        User-agent: other
        Disallow: /

        User-agent: *
        Disallow: /private
        Allow: /private/open
        Disallow: /*.pdf$
        Disallow:

        User-agent: mission
        User-agent: another
        Disallow: /only-us
        """

    @Test(arguments: [("*", "/", true), ("*", "/private/x", false), ("*", "/private/open/y", true), ("*", "/a/b.pdf", false),
                      ("*", "/a/b.pdf?x", true), ("*", "/publicity", true), ("mission", "/private/x", true), ("mission", "/only-us/z", false),
                      ("other", "/anything", false), ("MISSION", "/only-us", false)])
    func applies_the_group_of_the_agent(agent: String, path: String, allowed: Bool) {
        #expect(RobotsTxt(parsing: Self.file, agent: agent).allows(path: path) == allowed)
    }

    @Test func empty_and_missing_files_allow_everything() {
        #expect(RobotsTxt(parsing: "").allows(path: "/x"))
        #expect(RobotsTxt.allowAll.allows(path: "/x"))
        #expect(!RobotsTxt.disallowAll.allows(path: "/"))
    }
}

@Suite struct FetchScopeTests {
    @Test func allows_only_the_domains_and_the_scheme_and_port_of_the_start_urls() {
        let scope = FetchScope(start: [URL(string: "http://docs.site.test:8080/x")!], allowedDomains: ["site.test"])
        #expect(scope.allows(URL(string: "http://docs.site.test:8080/y")!))
        #expect(scope.allows(URL(string: "http://site.test:8080/")!))
        #expect(scope.allows(URL(string: "http://deep.docs.site.test:8080/")!))
        #expect(!scope.allows(URL(string: "http://evilsite.test:8080/")!))
        #expect(!scope.allows(URL(string: "http://site.test.evil:8080/")!))
        #expect(!scope.allows(URL(string: "http://site.test:9090/")!))
        #expect(!scope.allows(URL(string: "https://site.test:8080/")!))
        #expect(!scope.allows(URL(string: "ftp://site.test:8080/")!))
        let hostsOnly = FetchScope(start: [URL(string: "https://a.test/")!], allowedDomains: [])
        #expect(hostsOnly.allows(URL(string: "https://a.test:443/p")!))
        #expect(!hostsOnly.allows(URL(string: "http://a.test/")!))
    }
}

/// The fetch tool against a real local website, with a recorder of forbidden connections.
@Suite struct FetchToolTests {
    final class Site: Sendable {
        let process: Subprocess
        let port: Int
        let otherPort: Int
        let files = TemporaryDirectory()

        init() async throws {
            var configuration = Subprocess.Configuration(executable: ProgramPath.resolve("python3")!, arguments: ["python3", ToolTests.repository + "/Tests/Fixtures/site.py", files.file("log"), files.file("record")])
            configuration.environment = ["PATH": ProgramPath.defaultSearchPath]
            process = try Subprocess(configuration)
            var lines = process.lines.makeAsyncIterator()
            let ports = await lines.next()?.text.split(separator: " ").compactMap { Int($0) } ?? []
            guard ports.count == 2 else { throw ToolError("the test site did not start: \(await process.wait().stderr)") }
            (port, otherPort) = (ports[0], ports[1])
        }

        func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }
        var requested: [String] { files.lines("log") }
        var forbiddenConnections: String { files.read("record") }

        func stop() async {
            process.terminate()
            _ = await process.wait()
        }
    }

    func fetch(_ description: String, maxPages: Int = 10, requestTimeout: TimeInterval = 10,
               maxAttempts: Int = 1, maxDuration: Double = 30, denyPrivateNetworks: Bool = false) async throws -> Whiteboard {
        var configuration = FetchTool.Configuration()
        configuration.requestTimeout = requestTimeout
        configuration.denyPrivateNetworks = denyPrivateNetworks
        let h = try await Harness(tools: [FetchTool(configuration: configuration)])
        let id = try await h.runtime.submit(MissionRequest(objective: Objective(type: "fetch", description: description),
                                                           constraints: Constraints(maxPages: maxPages, maxDurationSeconds: maxDuration, maxAttempts: maxAttempts),
                                                           source: MissionSource(channel: .cli))).whiteboard.missionID
        let board = try #require(await h.waitForTerminal(id))
        await h.finish()
        return board
    }

    @Test func crawls_breadth_first_within_the_site_and_never_contacts_another_host_port_or_scheme() async throws {
        let site = try await Site()
        // Generous limits: a link that cannot be read is skipped (and said), so a page slowed past
        // the request timeout by a loaded machine (ThreadSanitizer in CI) would go missing.
        let board = try await fetch("summarise \(site.url("/index.html"))", maxPages: 10, requestTimeout: 30, maxDuration: 120)
        await site.stop()
        #expect(board.status == .completed)
        #expect(board.artifacts.map(\.uri) == ["/index.html", "/a.html", "/b.html", "/c.html"].map(site.url),
                "\(board.timeline.map(\.message))")
        let answer = try #require(board.executionResult?.finalAnswer)
        #expect(answer.hasPrefix("- Home & Garden (\(site.url("/index.html"))): Welcome home This is the start page"))
        #expect(answer.contains("- Page A (\(site.url("/a.html"))): Alpha words here."))
        #expect(board.executionResult?.toolsUsed == ["fetch"])
        #expect(site.forbiddenConnections.isEmpty)
        #expect(!site.requested.contains("/private/secret.html"))
        #expect(site.requested.filter { $0 == "/robots.txt" }.count == 1)
        let skipped = board.timeline.filter { $0.label == "skip" }.map(\.message)
        #expect(skipped.contains("\(site.url("/private/secret.html")): disallowed by robots.txt"))
        #expect(skipped.contains("\(site.url("/missing.html")): HTTP 404"))
        #expect(skipped.contains("\(site.url("/image.png")): content type image/png is not HTML or text"))
    }

    @Test func max_pages_bounds_the_crawl() async throws {
        let site = try await Site()
        let board = try await fetch(site.url("/index.html"), maxPages: 2)
        await site.stop()
        #expect(board.artifacts.map(\.uri) == ["/index.html", "/a.html"].map(site.url))
    }

    @Test func a_redirect_to_another_host_is_not_followed() async throws {
        let site = try await Site()
        let board = try await fetch(site.url("/redirect"))
        await site.stop()
        #expect(board.status == .failed)
        #expect(board.executionResult?.error == "\(site.url("/redirect")) redirects to http://127.0.0.2:\(site.otherPort)/landed, outside the allowed domains: not followed")
        #expect(site.forbiddenConnections.isEmpty)
    }

    @Test func start_pages_that_cannot_be_read_fail_the_mission_naming_the_url() async throws {
        let site = try await Site()
        let missing = try await fetch(site.url("/missing.html"))
        let robots = try await fetch(site.url("/private/secret.html"))
        let image = try await fetch(site.url("/image.png"))
        let slow = try await fetch(site.url("/slow.html"), requestTimeout: 1)
        await site.stop()
        let dead = try await fetch("http://127.0.0.1:\(site.port)/index.html")
        #expect(missing.executionResult?.error == "\(site.url("/missing.html")): HTTP 404")
        #expect(robots.executionResult?.error == "\(site.url("/private/secret.html")): disallowed by robots.txt")
        #expect(image.executionResult?.error == "\(site.url("/image.png")): content type image/png is not HTML or text")
        #expect(slow.status == .failed)
        #expect(slow.executionResult?.error == "\(site.url("/slow.html")): no answer within 1.0 s")
        #expect(dead.status == .failed)
        #expect(dead.executionResult?.error?.hasPrefix("http://127.0.0.1:\(site.port)/index.html: its robots.txt could not be read") == true)
    }

    @Test func a_permanent_error_fails_at_once_and_a_transient_one_is_retried_after_retry_after() async throws {
        let site = try await Site()
        let missing = try await fetch(site.url("/missing.html"), maxAttempts: 3)
        let unavailable = try await fetch(site.url("/unavailable"), maxAttempts: 2)
        await site.stop()
        #expect(missing.status == .failed)
        #expect(missing.attempts == 1)
        #expect(site.requested.filter { $0 == "/missing.html" }.count == 1)
        #expect(unavailable.status == .failed)
        #expect(unavailable.attempts == 2)
        #expect(unavailable.executionResult?.error == "\(site.url("/unavailable")): HTTP 503")
        // The site asked for 1 s between tries (Retry-After), more than the backoff's 0.5 s.
        let starts = unavailable.timeline.filter { $0.label == "active" }.map(\.timestamp.millisecondsSinceEpoch)
        #expect(starts.count == 2 && starts[1] - starts[0] >= 1000, "\(starts)")
    }

    @Test func deny_private_networks_refuses_a_loopback_site_without_a_request() async throws {
        let site = try await Site()
        let board = try await fetch(site.url("/index.html"), maxAttempts: 3, denyPrivateNetworks: true)
        await site.stop()
        #expect(board.status == .failed)
        #expect(board.attempts == 1)
        #expect(board.executionResult?.error?.contains("resolves to 127.0.0.1, a private or local address, and this server runs with --deny-private-networks") == true)
        #expect(site.requested.isEmpty)
    }

    @Test(arguments: [([10, 1, 2, 3], true), ([172, 16, 0, 1], true), ([172, 32, 0, 1], false), ([192, 168, 1, 1], true),
                      ([127, 0, 0, 1], true), ([169, 254, 169, 254], true), ([100, 64, 0, 1], true), ([0, 0, 0, 0], true),
                      ([8, 8, 8, 8], false), ([93, 184, 216, 34], false), ([224, 0, 0, 1], true)] as [([UInt8], Bool)])
    func private_ipv4_ranges(_ address: [UInt8], _ isPrivate: Bool) {
        #expect(PrivateNetworks.isPrivate(v4: address) == isPrivate)
    }

    @Test func private_ipv6_ranges() {
        func v6(_ head: [UInt8], tail: [UInt8] = []) -> [UInt8] { head + Array(repeating: 0, count: 16 - head.count - tail.count) + tail }
        #expect(PrivateNetworks.isPrivate(v6: v6([], tail: [1])))                                   // ::1
        #expect(PrivateNetworks.isPrivate(v6: v6([0xFD, 0x12])))                                    // unique local
        #expect(PrivateNetworks.isPrivate(v6: v6([0xFE, 0x80])))                                    // link-local
        #expect(PrivateNetworks.isPrivate(v6: v6([], tail: [0xFF, 0xFF, 10, 0, 0, 1])))            // ::ffff:10.0.0.1
        #expect(!PrivateNetworks.isPrivate(v6: v6([], tail: [0xFF, 0xFF, 8, 8, 8, 8])))
        #expect(!PrivateNetworks.isPrivate(v6: v6([0x26, 0x06, 0x28, 0x00])))                       // 2606:2800::
    }

    @Test func a_request_cut_short_by_the_missions_own_duration_ends_as_a_timeout() async throws {
        let site = try await Site()
        let slow = try await fetch(site.url("/slow.html"), maxDuration: 1)
        await site.stop()
        #expect(slow.status == .failed)
        let last = try #require(slow.timeline.last)
        #expect(last.message.hasPrefix("timeout:"), "\(last.message)")
    }

    @Test func a_url_outside_allowed_domains_is_refused_without_a_request() async throws {
        let board = try await fetch("http://127.0.0.2:9/x")
        #expect(board.status == .completed || board.status == .failed)
        // allowed_domains empty means the URL's own host: fine; with a list, outside is refused.
        let h = try await Harness(tools: [FetchTool()])
        let id = try await h.runtime.submit(MissionRequest(objective: Objective(type: "fetch", description: "http://127.0.0.2:9/x"),
                                                           constraints: Constraints(allowedDomains: ["example.test"], maxAttempts: 3),
                                                           source: MissionSource(channel: .cli))).whiteboard.missionID
        let refused = try #require(await h.waitForTerminal(id))
        await h.finish()
        #expect(refused.status == .failed)
        #expect(refused.attempts == 1)
        #expect(refused.executionResult?.error == "none of http://127.0.0.2:9/x is within allowed_domains (example.test)")
    }

    @Test func a_page_over_the_size_limit_is_cut() async throws {
        let site = try await Site()
        let board = try await fetch(site.url("/big.html"))
        await site.stop()
        #expect(board.status == .completed)
        #expect(board.timeline.contains { $0.message.hasSuffix("(Big), cut at \(FetchTool.Configuration().maxPageBytes) bytes") })
        #expect(board.executionResult?.finalAnswer.hasPrefix("- Big (\(site.url("/big.html"))): word word") == true)
    }

    @Test func plain_text_pages_are_read_as_text() async throws {
        let site = try await Site()
        let board = try await fetch(site.url("/plain.txt"))
        await site.stop()
        #expect(board.executionResult?.finalAnswer == "- (untitled) (\(site.url("/plain.txt"))): just some text")
    }
}
