import MissionModel
import MissionStore
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Tells a mission's `callback_url` that it ended (CONTRACT §9): `POST {"mission_id", "status",
/// "whiteboard"}` signed with `X-Mission-Signature: sha256=HEX` (HMAC-SHA256 under the server's
/// secret), redirects not followed, up to `maxTries` tries with doubling waits, each try a
/// `mission_callback` record. It works beside the executor, on its own tasks: a slow or dead
/// receiver never delays a mission's records or other missions. In a cluster, the node that
/// recorded the ending sends it.
final class CallbackSender: NSObject, URLSessionTaskDelegate, @unchecked Sendable {
    // `@unchecked`: URLSession's delegate must be a class; the state is the session and
    // immutable settings, and the pending stream is Sendable.
    let store: MissionStore
    let settings: CallbackSettings
    let report: @Sendable (String) -> Void
    private let pending: AsyncStream<String>
    private let pendingInput: AsyncStream<String>.Continuation
    private var session: URLSession!

    init(store: MissionStore, settings: CallbackSettings, report: @escaping @Sendable (String) -> Void) {
        self.store = store
        self.settings = settings
        self.report = report
        (pending, pendingInput) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingOldest(settings.maxPending))
        super.init()
        session = URLSession(configuration: .ephemeral, delegate: self, delegateQueue: nil)
    }

    /// Queues the callback of `missionID`, which just ended here (if it has a `callback_url`).
    func send(_ missionID: String) {
        if case .dropped = pendingInput.yield(missionID) {
            report("mission \(missionID): callback not sent: \(settings.maxPending) callbacks are waiting already")
        }
    }

    /// Sends what is queued, each callback on a task of its own, until cancelled.
    func run() async {
        await withDiscardingTaskGroup { group in
            for await id in pending {
                group.addTask { await self.deliver(id) }
            }
        }
        session.invalidateAndCancel()
    }

    private func deliver(_ missionID: String) async {
        guard let board = store.whiteboard(missionID), let url = board.callbackURL.flatMap(URL.init(string:)),
              let secret = settings.secret else { return }
        let body = JSONWriter.encode(["mission_id": .string(missionID), "status": .string(board.status.rawValue),
                                      "whiteboard": .object(board.json)])
        let signature = "sha256=" + HMACSHA256.authenticationCode(for: body, key: secret).map { byte in
            (byte < 16 ? "0" : "") + String(byte, radix: 16)
        }.joined()
        var wait = settings.firstRetry
        for attempt in 1...max(settings.maxTries, 1) {
            let outcome = await post(body, to: url, signature: signature)
            let delivered = outcome.status.map { (200..<300).contains($0) } ?? false
            let record = CallbackAttempt(url: url.absoluteString, attempt: attempt, statusCode: outcome.status, error: outcome.error,
                                         delivered: delivered)
            do {
                try await store.append([MissionEvent(timestamp: .now(), missionID: missionID, body: .callback(record))])
            } catch {
                report("mission \(missionID): callback try \(attempt) not recorded: \(error)")
            }
            // Worth another try: no answer, or a server that says it could not take it now.
            guard !delivered, outcome.status.map({ $0 >= 500 || $0 == 408 || $0 == 429 }) ?? true, attempt < settings.maxTries else { return }
            guard (try? await Task.sleep(for: wait)) != nil else { return }
            wait *= 2
        }
    }

    private func post(_ body: [UInt8], to url: URL, signature: String) async -> (status: Int?, error: String?) {
        var request = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData,
                                 timeoutInterval: Double(settings.timeout.milliseconds) / 1000)
        request.httpMethod = "POST"
        request.httpBody = Data(body)
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue(signature, forHTTPHeaderField: "X-Mission-Signature")
        let session = self.session!
        let prepared = request
        do {
            // URLSession's own timeout is not enforced for a server that accepts and then
            // stays silent on this platform (see PageFetcher).
            return try await withTimeout(settings.timeout, orThrow: { CallbackTimeout() }) {
                try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<(status: Int?, error: String?), any Error>) in
                    session.dataTask(with: prepared) { _, response, error in
                        if let response = response as? HTTPURLResponse {
                            continuation.resume(returning: (response.statusCode, nil))
                        } else {
                            continuation.resume(returning: (nil, (error?.localizedDescription ?? "no answer").oneLine()))
                        }
                    }.resume()
                }
            }
        } catch {
            return (nil, "no answer within \(settings.timeout)")
        }
    }

    /// Redirects are not followed: the 3xx is the answer.
    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
        completionHandler(nil)
    }
}

private struct CallbackTimeout: Error {}
