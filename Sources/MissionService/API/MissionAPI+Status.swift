import MissionModel
import MissionNet
extension MissionAPI {
    var uptimeSeconds: Double { Double(EventLoop.now() - started) / 1e9 }

    func health() async -> HTTPResponse {
        let queue = await runtime.queue.snapshot()
        let storage = runtime.storage
        // While the disk is full, a probe is told when to ask again, as a writer is.
        let retry: [(name: String, value: String)] = switch storage {
        case "full": [("Retry-After", String(APIError.fullDiskRetryAfterSeconds))]
        case "unavailable": [("Retry-After", String(APIError.storeRetryAfterSeconds))]
        default: []
        }
        var body: JSONObject = [
            "status": .string(storage == "ok" ? "ok" : "unavailable"),
            "storage": .string(storage),
            "queue_depth": .int(queue.queued + queue.waitingForRetry),
            "active": .int(queue.running),
            "uptime_s": .double((uptimeSeconds * 1000).rounded() / 1000),
            // The whole queue is paused (CONTRACT §9): no mission starts.
            "paused": .bool(runtime.store.board.queuePaused),
            // History (CONTRACT §10): the oldest seq still readable, and the whiteboards held.
            "first_seq": .int(runtime.store.log.firstSeq),
            "missions_in_memory": .int(runtime.store.board.count),
        ]
        // Retention (CONTRACT §10): sealed segments kept only for missions still open.
        if let history = runtime.history.lastReport { body["segments_kept_open"] = .int(history.keptOpen) }
        // Cluster mode (CONTRACT §8): whether the shared store can be reached.
        if runtime.clusterStore != nil { body["store"] = .string(storage == "unavailable" ? "unavailable" : "ok") }
        return .json(storage == "ok" ? 200 : 503, body, headers: retry)
    }

    func metricsText() async -> HTTPResponse {
        let queue = await runtime.queue.snapshot()
        var text = PrometheusText()
        metrics.write(to: &text)
        text.family("mission_http_connections_open", "gauge", "HTTP connections open now.")
        text.sample("mission_http_connections_open", [], Double(openConnections))
        live?.write(to: &text)
        text.family("mission_missions", "gauge", "Missions by status.")
        let counts = runtime.store.board.countsByStatus()
        for status in MissionStatus.allCases {
            text.sample("mission_missions", [("status", status.rawValue)], Double(counts[status] ?? 0))
        }
        text.family("mission_queue_depth", "gauge", "Missions waiting to run, including those waiting for a retry.")
        text.sample("mission_queue_depth", [], Double(queue.queued + queue.waitingForRetry))
        text.family("mission_queue_capacity", "gauge", "Missions that may wait at once (--max-queued); new ones past it get 503 queue_full.")
        text.sample("mission_queue_capacity", [], Double(runtime.queue.capacity))
        text.family("mission_active_workers", "gauge", "Missions running now.")
        text.sample("mission_active_workers", [], Double(queue.running))
        let logs = [("missions", runtime.store.log.stats), ("signals", runtime.signals.log.stats)]
        text.family("mission_log_appends_total", "counter", "Records appended (and synced) since start, by log.")
        for (name, stats) in logs { text.sample("mission_log_appends_total", [("log", name)], Double(stats.records)) }
        text.family("mission_log_fsync_duration_seconds", "histogram", "Write and fdatasync of one group commit, by log.")
        for (name, stats) in logs { text.histogram("mission_log_fsync_duration_seconds", [("log", name)], stats.syncSeconds) }
        text.family("mission_log_first_seq", "gauge", "The oldest seq of the missions log still readable (CONTRACT §10).")
        text.sample("mission_log_first_seq", [], Double(runtime.store.log.firstSeq))
        if let history = runtime.history.lastReport {
            text.family("mission_log_segments_kept_open", "gauge", "Sealed segments retention keeps only for missions still open (CONTRACT §10).")
            text.sample("mission_log_segments_kept_open", [], Double(history.keptOpen))
        }
        text.family("mission_missions_in_memory", "gauge", "Whiteboards held in memory.")
        text.sample("mission_missions_in_memory", [], Double(runtime.store.board.count))
        text.family("mission_uptime_seconds", "gauge", "Seconds since the server started.")
        text.sample("mission_uptime_seconds", [], uptimeSeconds)
        return HTTPResponse(status: 200, headers: [("Content-Type", "text/plain; version=0.0.4; charset=utf-8")], body: Array(text.text.utf8))
    }
}
