import MissionModel
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// HTTP(S) GETs through one URLSession whose delegate checks every redirect hop against the
/// scope before it is followed and stops reading a body at the size limit.
final class PageFetcher: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    // @unchecked: `tasks` is only touched under its lock; the rest is immutable.
    struct Page: Sendable {
        var url: URL
        var status: Int
        var contentType: String?
        var body: [UInt8]
        var truncated: Bool
        /// The `Retry-After` header of a 429 or 503, as sent.
        var retryAfter: String? = nil
    }

    enum Failure: Error, CustomStringConvertible {
        case redirectRefused(from: URL, to: URL)
        case transport(URL, String)
        /// No answer within the time given (seconds).
        case timedOut(URL, TimeInterval)
        /// `--deny-private-networks`, and the host resolves to this address.
        case privateAddress(URL, String)

        var description: String {
            switch self {
            case .redirectRefused(let from, let to): return "\(from.absoluteString) redirects to \(to.absoluteString), outside the allowed domains: not followed"
            case .transport(let url, let reason): return "\(url.absoluteString): \(reason)"
            case .timedOut(let url, let seconds): return "\(url.absoluteString): no answer within \(String(format: "%.1f", seconds)) s"
            case .privateAddress(let url, let address):
                return "\(url.absoluteString): its host resolves to \(address), a private or local address, and this server runs with --deny-private-networks"
            }
        }
    }

    private struct TaskState {
        var continuation: CheckedContinuation<Page, any Error>
        var requested: URL
        var body: [UInt8] = []
        var truncated = false
        var refused: URL?
    }

    static let userAgent = "MissionService/1 (fetch; +robots.txt honoured)"

    let scope: FetchScope
    let maxBytes: Int
    let denyPrivateNetworks: Bool
    private let tasks = Locked<[Int: TaskState]>([:])
    private var session: URLSession!

    init(scope: FetchScope, maxBytes: Int, denyPrivateNetworks: Bool = false) {
        self.scope = scope
        self.maxBytes = maxBytes
        self.denyPrivateNetworks = denyPrivateNetworks
        super.init()
        session = URLSession(configuration: .ephemeral, delegate: self, delegateQueue: nil)
    }

    /// The private address `url`'s host resolves to, when such hosts are refused.
    private func privateAddress(of url: URL) -> String? {
        guard denyPrivateNetworks, let host = url.host else { return nil }
        return PrivateNetworks.privateAddress(of: host)
    }

    /// Ends the session (it holds its delegate strongly until then).
    func close() {
        session.invalidateAndCancel()
    }

    /// GETs `url`, giving up after `timeout` seconds: URLSession's own `timeoutInterval` is
    /// not enforced for a server that accepts and then stays silent on this platform.
    func fetch(_ url: URL, timeout: TimeInterval) async throws -> Page {
        if let refused = privateAddress(of: url) { throw Failure.privateAddress(url, refused) }
        return try await withTimeout(.seconds(max(timeout, 0.1)), orThrow: { Failure.timedOut(url, timeout) }) {
            try await self.request(url, timeout: timeout)
        }
    }

    private func request(_ url: URL, timeout: TimeInterval) async throws -> Page {
        var request = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: max(timeout, 0.1))
        request.setValue(Self.userAgent, forHTTPHeaderField: "User-Agent")
        let task = session.dataTask(with: request)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                tasks.withLock { $0[task.taskIdentifier] = TaskState(continuation: continuation, requested: url) }
                task.resume()
            }
        } onCancel: {
            task.cancel()
        }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
        guard let target = request.url, !scope.allows(target) || privateAddress(of: target) != nil else {
            completionHandler(request)
            return
        }
        tasks.withLock { $0[task.taskIdentifier]?.refused = target }
        completionHandler(nil)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        let stop = tasks.withLock { tasks -> Bool in
            guard var state = tasks[dataTask.taskIdentifier], !state.truncated else { return false }
            let room = maxBytes - state.body.count
            state.body += data.prefix(room)
            if data.count > room { state.truncated = true }
            tasks[dataTask.taskIdentifier] = state
            return state.truncated
        }
        if stop { dataTask.cancel() }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        guard let state = tasks.withLock({ $0.removeValue(forKey: task.taskIdentifier) }) else { return }
        if let refused = state.refused {
            state.continuation.resume(throwing: Failure.redirectRefused(from: state.requested, to: refused))
            return
        }
        if let error, !state.truncated {
            state.continuation.resume(throwing: Failure.transport(state.requested, error.localizedDescription))
            return
        }
        let response = task.response as? HTTPURLResponse
        state.continuation.resume(returning: Page(url: response?.url ?? state.requested, status: response?.statusCode ?? 0,
                                                  contentType: response?.value(forHTTPHeaderField: "Content-Type"),
                                                  body: state.body, truncated: state.truncated,
                                                  retryAfter: response?.value(forHTTPHeaderField: "Retry-After")))
    }
}
