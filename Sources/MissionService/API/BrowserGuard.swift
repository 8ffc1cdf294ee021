import MissionNet
/// What keeps web pages the user happens to visit from driving a local server (CONTRACT §4
/// "Browsers"), as Jupyter and Docker's API do: a request whose `Host` does not name this
/// server is 421 (DNS rebinding: a foreign name that resolves to us), and one that carries an
/// `Origin` other than the server's own or an admitted one is 403 (a foreign page's `fetch`
/// or WebSocket). Clients that send no `Origin` (curl, scripts, the CLI) are not affected.
public struct BrowserGuard: Sendable {
    public struct Configuration: Sendable {
        /// Origins (`scheme://host[:port]`) admitted besides the server's own; they also get
        /// CORS answers.
        public var allowedOrigins: [String] = []
        /// Host names admitted besides the bound host (and, on loopback, the loopback names).
        public var allowedHosts: [String] = []

        public init() {}
    }

    /// Names that reach a loopback bind.
    static let loopbackNames: Set<String> = ["localhost", "127.0.0.1", "[::1]"]

    /// Lower-cased host names a `Host` header may carry; nil: any (a wildcard bind with no
    /// `--allow-host`).
    let hosts: Set<String>?
    /// Normalised origins (`http://host:port`) admitted besides the server's own.
    let origins: Set<String>

    public init(bindHost: String, configuration: Configuration) {
        let bound = Self.hostName(bindHost)
        let extra = Set(configuration.allowedHosts.map { Self.hostName($0) })
        if bound == "0.0.0.0" || bound == "[::]" || bound == "::" {
            hosts = extra.isEmpty ? nil : extra.union(Self.loopbackNames)
        } else if SocketAddress.isLoopback(bindHost) {
            hosts = Self.loopbackNames.union([bound]).union(extra)
        } else {
            hosts = Set([bound]).union(extra)
        }
        origins = Set(configuration.allowedOrigins.compactMap(Self.normalisedOrigin))
    }

    /// The refusal for `head`, or nil when it may go on. Runs for every request: the usual
    /// one (a right Host, no Origin) costs two header lookups and a byte comparison.
    public func check(_ head: HTTPRequestHead) -> HTTPResponse? {
        let host = head.header("host")
        if let hosts, let host, !admits(host: host, among: hosts) {
            return .error(421, "misdirected_request",
                          "this server does not answer for the host \(host.prefix(100)); a name other than its own is refused so that no other site can reach it through DNS (start it with --allow-host NAME to admit that name)")
        }
        guard let origin = head.header("origin") else { return nil }
        if isAdmitted(origin: origin, host: host) { return nil }
        return .error(403, "forbidden_origin",
                      "requests from pages of \(origin.prefix(100)) are refused: a web page on another site may not drive this server (start it with --allow-origin \(origin.prefix(100)) to admit it)")
    }

    /// The CORS headers for a request from an origin admitted with `--allow-origin`; none for
    /// the server's own pages (same origin needs none) or for clients without `Origin`.
    public func corsHeaders(_ head: HTTPRequestHead) -> [(name: String, value: String)] {
        guard let origin = head.header("origin"), let normalised = Self.normalisedOrigin(origin), origins.contains(normalised) else { return [] }
        return [("Access-Control-Allow-Origin", origin), ("Vary", "Origin")]
    }

    /// The headers of a 204 answer to an admitted origin's preflight.
    public static let preflightHeaders: [(name: String, value: String)] = [
        ("Access-Control-Allow-Methods", "GET, POST, DELETE, OPTIONS"),
        ("Access-Control-Allow-Headers", "Authorization, Content-Type, Idempotency-Key"),
        ("Access-Control-Max-Age", "600"),
    ]

    /// Whether `header` (`name[:port]`) names one of `hosts`, compared without allocating.
    func admits(host header: String, among hosts: Set<String>) -> Bool {
        for name in hosts where Self.names(header, name) { return true }
        return false
    }

    /// `header` is `name` (ASCII case-insensitively), with or without a `:port`.
    static func names(_ header: String, _ name: String) -> Bool {
        var given = header.utf8.makeIterator()
        for expected in name.utf8 {
            guard let byte = given.next(), byte | (byte >= 0x41 && byte <= 0x5A ? 0x20 : 0) == expected else { return false }
        }
        guard let colon = given.next() else { return true }
        guard colon == UInt8(ascii: ":") else { return false }
        var digits = 0
        while let byte = given.next() {
            guard byte >= 0x30 && byte <= 0x39 else { return false }
            digits += 1
        }
        return digits > 0
    }

    func isAdmitted(origin: String, host: String?) -> Bool {
        guard let normalised = Self.normalisedOrigin(origin) else { return false }
        if origins.contains(normalised) { return true }
        // The server's own origin: the scheme, host and port it was reached at.
        guard let host, let own = Self.normalisedOrigin("http://" + host) else { return false }
        return normalised == own
    }

    /// `scheme://host:port`, lower-cased, the default port written out; nil for `null` and
    /// anything that is not an http(s) origin.
    package static func normalisedOrigin(_ text: String) -> String? {
        let lower = text.lowercased()
        let scheme: String, defaultPort: String
        if lower.hasPrefix("http://") {
            (scheme, defaultPort) = ("http", "80")
        } else if lower.hasPrefix("https://") {
            (scheme, defaultPort) = ("https", "443")
        } else {
            return nil
        }
        var authority = lower.dropFirst(scheme.count + 3)
        if authority.hasSuffix("/") { authority = authority.dropLast() }
        guard !authority.isEmpty, !authority.contains("/"), !authority.contains("@") else { return nil }
        let host = dropPort(String(authority))
        let port = authority.count > host.count ? String(authority.dropFirst(host.count + 1)) : defaultPort
        guard !host.isEmpty, !port.isEmpty, port.allSatisfy(\.isNumber) else { return nil }
        return "\(scheme)://\(host):\(port)"
    }

    /// `host[:port]` without the port; an IPv6 literal keeps its brackets.
    static func dropPort(_ authority: String) -> String {
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") { return String(authority[...close]) }
        if let colon = authority.lastIndex(of: ":") { return String(authority[..<colon]) }
        return authority
    }

    /// A host as compared: lower-cased, an IPv6 literal in brackets.
    static func hostName(_ host: String) -> String {
        let lower = host.lowercased()
        return lower.contains(":") && !lower.hasPrefix("[") ? "[\(lower)]" : lower
    }
}
