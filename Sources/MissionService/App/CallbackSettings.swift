import MissionModel
import Foundation

/// How mission callbacks are sent (CONTRACT §9: `--callback-secret`, `--allow-callback-host`).
public struct CallbackSettings: Sendable {
    /// The HMAC-SHA256 key of `X-Mission-Signature`; none: `callback_url` is refused.
    public var secret: [UInt8]?
    /// Hosts a `callback_url` may name (lowercased); others are refused at submission.
    public var allowedHosts: Set<String> = []
    /// Tries per callback, the first wait between two, and each try's limit.
    public var maxTries = 5
    public var firstRetry: Duration = .milliseconds(500)
    public var timeout: Duration = .seconds(10)
    /// Callbacks waiting to be sent at once; past it one is dropped and reported.
    public var maxPending = 10_000
    public static let maxURLBytes = 2048

    public init() {}

    /// Refuses a `callback_url` this server would not call, saying why.
    func check(_ text: String) throws(SubmissionError) {
        guard secret != nil else {
            throw .invalid("callback_url needs the server to sign callbacks: start it with --callback-secret S (or MISSION_CALLBACK_SECRET)")
        }
        guard text.utf8.count <= Self.maxURLBytes, let url = URL(string: text), let scheme = url.scheme?.lowercased(),
              scheme == "http" || scheme == "https", let host = url.host?.lowercased(), !host.isEmpty else {
            throw .invalid("callback_url must be an http or https URL of at most \(Self.maxURLBytes) bytes")
        }
        guard allowedHosts.contains(host) else {
            let allowed = allowedHosts.isEmpty ? "none (give --allow-callback-host HOST)" : allowedHosts.sorted().joined(separator: ", ")
            throw .invalid("callback_url: host \(host.prefix(100)) is not allowed; this server calls back: \(allowed)")
        }
    }
}
