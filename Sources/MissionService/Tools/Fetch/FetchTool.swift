import MissionModel
import Foundation

/// `fetch`: the earlier service's web mission without an LLM. Starts from the URLs in the
/// description and follows links breadth-first, at most `max_pages` pages, never contacting a
/// host outside `allowed_domains` (by default the hosts of those URLs), redirects included,
/// and honouring robots.txt. Each page becomes a progress record and a `url` artifact; the
/// answer lists each page's title and first words.
///
/// A start URL that cannot be fetched (dead host, 404, not HTML/text, refused redirect, robots
/// disallow) fails the attempt naming it; a failing link found on a page is skipped and said.
public struct FetchTool: MissionTool {
    public let name = "fetch"

    public struct Configuration: Sendable {
        public var maxPageBytes = 2 << 20
        public var requestTimeout: TimeInterval = 10
        /// Part of `max_duration_seconds` spent crawling, so that the answer can still be given.
        public var crawlShare = 0.8
        public var firstWords = 30
        /// Refuse hosts that resolve to a loopback, private or link-local address
        /// (`--deny-private-networks`).
        public var denyPrivateNetworks = false

        public init() {}
    }

    let configuration: Configuration

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    public func run(_ request: ToolRequest, events: ToolEvents) async throws -> ExecutionResult {
        let urls = IntentClassifier.httpURLs(in: request.objective.description)
        guard !urls.isEmpty else { return refuse("no http(s) URL in the description") }
        let scope = FetchScope(start: urls, allowedDomains: request.constraints.allowedDomains)
        let starts = urls.filter(scope.allows).map(Self.normalised)
        guard !starts.isEmpty else {
            return refuse("none of \(urls.map(\.absoluteString).joined(separator: ", ")) is within allowed_domains (\(scope.domains.joined(separator: ", ")))")
        }
        let fetcher = PageFetcher(scope: scope, maxBytes: configuration.maxPageBytes, denyPrivateNetworks: configuration.denyPrivateNetworks)
        defer { fetcher.close() }
        let deadline = Date().addingTimeInterval(request.constraints.maxDurationSeconds * configuration.crawlShare)
        var crawl = Crawl(starts: starts)
        var robots: [String: RobotsTxt] = [:]
        var pages: [(url: URL, page: HTMLScanner.Page)] = []
        while let url = crawl.next(), pages.count < request.constraints.maxPages, Date() < deadline {
            try Task.checkCancellation()
            let isStart = starts.contains(url)
            // Set when this request's wait is cut short by the mission's own deadline.
            var limitedByDeadline = false
            do {
                let timeout = min(configuration.requestTimeout, deadline.timeIntervalSinceNow)
                limitedByDeadline = timeout < configuration.requestTimeout
                let origin = FetchScope.origin(url)
                if robots[origin] == nil {
                    do {
                        robots[origin] = try await robotsTxt(for: url, fetcher: fetcher, timeout: timeout)
                    } catch let failure as PageFetcher.Failure {
                        throw Self.classify(failure, limitedByDeadline: limitedByDeadline, "\(url.absoluteString): its robots.txt could not be read (\(failure))")
                    }
                }
                let path = url.path.isEmpty ? "/" : url.path + (url.query.map { "?" + $0 } ?? "")
                guard robots[origin]!.allows(path: path) else { throw ToolError.permanent("\(url.absoluteString): disallowed by robots.txt") }
                let fetched: PageFetcher.Page
                do {
                    fetched = try await fetcher.fetch(url, timeout: timeout)
                } catch let failure as PageFetcher.Failure {
                    throw Self.classify(failure, limitedByDeadline: limitedByDeadline, failure.description)
                }
                guard (200..<300).contains(fetched.status) else { throw Self.statusFailure(url, fetched) }
                let type = fetched.contentType?.lowercased() ?? "text/html"
                guard type.hasPrefix("text/html") || type.hasPrefix("application/xhtml") || type.hasPrefix("text/plain") else {
                    throw ToolError.permanent("\(url.absoluteString): content type \(type) is not HTML or text")
                }
                let text = String(decoding: fetched.body, as: UTF8.self)
                let page = type.hasPrefix("text/plain")
                    ? HTMLScanner.Page(title: "", links: [], text: HTMLScanner.collapse(text))
                    : HTMLScanner.scan(text, base: fetched.url)
                pages.append((fetched.url, page))
                try await events.progress("fetch", "page \(pages.count) of at most \(request.constraints.maxPages): \(fetched.url.absoluteString)"
                                          + (page.title.isEmpty ? "" : " (\(page.title))") + (fetched.truncated ? ", cut at \(configuration.maxPageBytes) bytes" : ""))
                try await events.artifact(kind: "url", uri: fetched.url.absoluteString,
                                          metadata: ["title": .string(page.title), "status": .int(fetched.status), "bytes": .int(fetched.body.count)])
                crawl.add(page.links.filter(scope.allows).map(Self.normalised))
            } catch let error where !(error is CancellationError) {
                let failure = (error as? ToolError) ?? ToolError(String(describing: error))
                if isStart { throw failure }
                try await events.progress("skip", failure.message)
            }
        }
        guard !pages.isEmpty else { throw ToolError.outOfTime("no page could be fetched before the deadline") }
        let answer = pages.map { entry in
            "- \(entry.page.title.isEmpty ? "(untitled)" : entry.page.title) (\(entry.url.absoluteString)): \(entry.page.firstWords(configuration.firstWords))"
        }.joined(separator: "\n")
        return ExecutionResult(success: true, finalAnswer: answer, toolsUsed: [name])
    }

    /// robots.txt of `url`'s origin (RFC 9309 §2.3.1): 2xx rules; 4xx: allow all; 5xx: disallow all.
    private func robotsTxt(for url: URL, fetcher: PageFetcher, timeout: TimeInterval) async throws -> RobotsTxt {
        var components = URLComponents(url: url, resolvingAgainstBaseURL: false)!
        components.path = "/robots.txt"
        components.query = nil
        components.fragment = nil
        let fetched = try await fetcher.fetch(components.url!, timeout: timeout)
        switch fetched.status {
        case 200..<300: return RobotsTxt(parsing: String(decoding: fetched.body.prefix(500 << 10), as: UTF8.self))
        case 400..<500: return .allowAll
        default: return .disallowAll
        }
    }

    /// A status that another attempt could change (408, 429, 5xx: the server's trouble, or
    /// ours with its rate) is transient, after its `Retry-After` when it gave one in seconds;
    /// any other (404, 410, 403, …) is the same next time.
    static func statusFailure(_ url: URL, _ page: PageFetcher.Page) -> ToolError {
        let message = "\(url.absoluteString): HTTP \(page.status)"
        guard page.status == 408 || page.status == 429 || page.status >= 500 else { return .permanent(message) }
        let retryAfter = page.retryAfter.flatMap { Int($0.trimmed(while: \.isWhitespace)) }.map { Duration.seconds(max($0, 0)) }
        return ToolError(message, retryAfter: retryAfter)
    }

    /// A refused redirect is refused again next time; a request that went unanswered only
    /// because the mission's time ran out is the mission's timeout; other transport
    /// failures (a dead host, a reset) may pass.
    static func classify(_ failure: PageFetcher.Failure, limitedByDeadline: Bool, _ message: String) -> ToolError {
        switch failure {
        case .redirectRefused, .privateAddress: return .permanent(message)
        case .timedOut where limitedByDeadline: return .outOfTime(message)
        case .timedOut, .transport: return ToolError(message)
        }
    }

    private func refuse(_ error: String) -> ExecutionResult {
        ExecutionResult(success: false, finalAnswer: "", toolsUsed: [name], error: error)
    }

    static func normalised(_ url: URL) -> URL {
        guard var components = URLComponents(url: url, resolvingAgainstBaseURL: false) else { return url }
        components.fragment = nil
        return components.url ?? url
    }

    /// Breadth-first order, each URL once.
    struct Crawl {
        private var queue: [URL]
        private var head = 0
        private var seen: Set<String>

        init(starts: [URL]) {
            queue = []
            seen = []
            add(starts)
        }

        mutating func add(_ urls: [URL]) {
            for url in urls where seen.insert(url.absoluteString).inserted { queue.append(url) }
        }

        mutating func next() -> URL? {
            guard head < queue.count else { return nil }
            defer { head += 1 }
            return queue[head]
        }
    }
}
