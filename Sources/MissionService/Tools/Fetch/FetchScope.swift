import MissionModel
import Foundation

/// Which URLs a fetch mission may contact: http(s) only, a host within `allowed_domains` (a
/// domain or one of its subdomains), and only the scheme-and-port pairs of the URLs it was
/// given, so that a link or redirect cannot move it to another port or scheme either.
public struct FetchScope: Sendable, Hashable {
    public let domains: [String]
    let origins: Set<String>

    /// `allowedDomains` empty: the hosts of `start`.
    public init(start: [URL], allowedDomains: [String]) {
        domains = allowedDomains.isEmpty
            ? IntentClassifier.hosts(of: start)
            : allowedDomains.map { $0.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: ".")) }.uniqued()
        origins = Set(start.compactMap(Self.schemeAndPort))
    }

    public func allows(_ url: URL) -> Bool {
        guard let host = url.host?.lowercased(), let origin = Self.schemeAndPort(url), origins.contains(origin) else { return false }
        return domains.contains { host == $0 || host.hasSuffix("." + $0) }
    }

    static func schemeAndPort(_ url: URL) -> String? {
        guard let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https" else { return nil }
        return "\(scheme):\(url.port ?? (scheme == "https" ? 443 : 80))"
    }

    /// `scheme://host:port`, the unit robots.txt applies to.
    static func origin(_ url: URL) -> String {
        "\(url.scheme?.lowercased() ?? "http")://\(url.host?.lowercased() ?? ""):\(url.port ?? (url.scheme?.lowercased() == "https" ? 443 : 80))"
    }
}
