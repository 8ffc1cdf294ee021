import MissionModel
/// Request counters and latency histograms, fed by the server after each response.
public final class HTTPMetrics: Sendable {
    struct Key: Hashable {
        var route: String
        var method: String
        var status: Int
    }

    struct State {
        var requests: [Key: Int] = [:]
        var durations: [String: Histogram] = [:]
    }

    private let state = Locked(State())
    private static let knownMethods: Set<String> = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]

    public init() {}

    public func record(_ exchange: HTTPExchange) {
        let route = exchange.route ?? "unmatched"
        // Only known methods become label values: a client must not grow the series set.
        let method = Self.knownMethods.contains(exchange.method) ? exchange.method : "other"
        state.withLock { state in
            state.requests[Key(route: route, method: method, status: exchange.status), default: 0] += 1
            state.durations[route, default: Histogram(bounds: Histogram.requestSeconds)].observe(exchange.seconds)
        }
    }

    func write(to text: inout PrometheusText) {
        let (requests, durations) = state.withLock { ($0.requests, $0.durations) }
        text.family("mission_http_requests_total", "counter", "HTTP requests answered, by route pattern, method and status.")
        for (key, count) in requests.sorted(by: { ($0.key.route, $0.key.method, $0.key.status) < ($1.key.route, $1.key.method, $1.key.status) }) {
            text.sample("mission_http_requests_total", [("route", key.route), ("method", key.method), ("status", String(key.status))], Double(count))
        }
        text.family("mission_http_request_duration_seconds", "histogram", "Time from a request's head to its response, by route pattern.")
        for (route, histogram) in durations.sorted(by: { $0.key < $1.key }) {
            text.histogram("mission_http_request_duration_seconds", [("route", route)], histogram)
        }
    }
}
