import MissionModel
/// WebSocket counters for `/metrics`.
public final class LiveMetrics: Sendable {
    struct State {
        var open = 0
        var opened = 0
        var received = 0
        var sent = 0
        var slowConsumers = 0
    }

    private let state = Locked(State())

    public init() {}

    func opened() { state.withLock { $0.open += 1; $0.opened += 1 } }
    func closed() { state.withLock { $0.open -= 1 } }
    func received() { state.withLock { $0.received += 1 } }
    func sent(_ count: Int = 1) { state.withLock { $0.sent += count } }
    func slowConsumer() { state.withLock { $0.slowConsumers += 1 } }

    var openConnections: Int { state.withLock { $0.open } }

    func write(to text: inout PrometheusText) {
        let state = state.withLock { $0 }
        text.family("mission_ws_connections_open", "gauge", "WebSocket connections open now.")
        text.sample("mission_ws_connections_open", [], Double(state.open))
        text.family("mission_ws_connections_total", "counter", "WebSocket connections accepted.")
        text.sample("mission_ws_connections_total", [], Double(state.opened))
        text.family("mission_ws_messages_received_total", "counter", "WebSocket messages received from clients.")
        text.sample("mission_ws_messages_received_total", [], Double(state.received))
        text.family("mission_ws_messages_sent_total", "counter", "WebSocket messages sent to clients.")
        text.sample("mission_ws_messages_sent_total", [], Double(state.sent))
        text.family("mission_ws_slow_consumers_total", "counter", "Connections closed 1008 for not reading.")
        text.sample("mission_ws_slow_consumers_total", [], Double(state.slowConsumers))
    }
}
