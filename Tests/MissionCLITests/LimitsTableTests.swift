import Foundation
import MissionModel
import MissionNet
@testable import MissionStore
import MissionTestSupport
import Testing
@testable import MissionService
@testable import MissionCLI

/// The README's limits table says what the code does: each row's default is rendered here from
/// the constant it names, so that a change to either without the other fails.
@Suite struct LimitsTableTests {
    /// The table's rows, `what` → `default` as written.
    static func readmeRows() throws -> [String: String] {
        let readme = try String(contentsOfFile: repositoryRoot + "/README.md", encoding: .utf8)
        guard let start = readme.range(of: "## Limits (named constants)") else { throw ToolError("no limits table in the README") }
        var rows: [String: String] = [:]
        for line in readme[start.upperBound...].split(separator: "\n") {
            if line.hasPrefix("## ") { break }
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 4, !cells[1].isEmpty, cells[1] != "what", !cells[1].hasPrefix("---") else { continue }
            rows[cells[1]] = cells[2]
        }
        return rows
    }

    static func bytes(_ count: Int) -> String {
        if count >= 1 << 20, count % (1 << 20) == 0 { return "\(count >> 20) MiB" }
        if count >= 1 << 10, count % (1 << 10) == 0 { return "\(count >> 10) KiB" }
        return number(count)
    }

    static func number(_ count: Int) -> String {
        let digits = String(count)
        return digits.reversed().enumerated().reduce(into: "") { text, pair in
            if pair.offset > 0 && pair.offset % 3 == 0 { text.insert(",", at: text.startIndex) }
            text.insert(pair.element, at: text.startIndex)
        }
    }

    static func seconds(_ duration: Duration) -> String { "\(duration.milliseconds / 1000) s" }

    /// Each row and the start of its default, rendered from the code.
    static var expected: [(what: String, start: String)] {
        let log = JSONLLog.Limits(), http = HTTPRequestParser.Limits(), server = HTTPServer.Configuration()
        let live = LiveFeed.Configuration(), executor = MissionExecutor.Configuration()
        let cluster = PostgresLog.Limits(), runtime = MissionRuntime.Options(dataDirectory: DataDirectory(path: "/"))
        return [
            ("record size", bytes(log.maxRecordBytes)),
            ("bytes per group commit", bytes(log.maxBatchBytes)),
            ("recent entries kept for followers", number(log.recentEntries)),
            ("segment: sealed at", bytes(log.segmentBytes) + " (`--segment-bytes`)"),
            ("segment: sealed once its first record is", "\(log.segmentMaxAge.milliseconds / 1000) s old"),
            ("retention pass when nothing seals", "every " + seconds(HistoryKeeper.interval)),
            ("JSON nesting", number(JSONParser.defaultMaxDepth)),
            ("objective description", bytes(MissionRequest.maxDescriptionBytes)),
            ("workers", "\(executor.workers) (`--workers`)"),
            ("missions waiting to run (more: 503 `queue_full`)", number(ExecutionQueue.defaultCapacity)),
            ("how far ahead `run_at` / `delay_seconds` may be", number(Int(MissionRequest.maxDelaySeconds)) + " s"),
            ("missions one mission may come `after`", number(MissionRequest.maxDependencies)),
            ("missions of one `concurrency_key` running at once", "\(ExecutionQueue.defaultMaxPerKey) (`--max-per-key`)"),
            ("`concurrency_key`", "\(MissionRequest.maxConcurrencyKeyBytes) bytes"),
            ("`callback_url`", "\(number(CallbackSettings.maxURLBytes)) bytes"),
            ("tries per callback / first wait between tries (doubling) / each try's limit",
             "\(CallbackSettings().maxTries) / \(CallbackSettings().firstRetry.milliseconds) ms / \(seconds(CallbackSettings().timeout))"),
            ("callbacks waiting to be sent", number(CallbackSettings().maxPending)),
            ("schedules kept", number(MissionAPI.maxSchedules)),
            ("shutdown grace (one for requests, missions and their records)", seconds(MissionServer.Options(dataDirectory: DataDirectory(path: "/")).grace)),
            ("retry of a write held by a full disk", "every " + seconds(JSONLLog.fullRetryInterval)),
            ("`Retry-After` of a 507", "\(APIError.fullDiskRetryAfterSeconds) s"),
            ("wait for an earlier attempt's processes to exit, at recovery", seconds(LeftoverProcesses.waitLimit)),
            ("`tail --server --follow` reconnecting", "up to " + seconds(TailCommand.reconnectLimit)),
            ("checkpoint interval", number(Checkpoint.defaultInterval) + " records"),
            ("checkpoint synced in pieces of", bytes(Checkpoint.syncChunkBytes)),
            ("problems listed by verify", number(LogVerifier.maxProblemsListed)),
            ("request line + headers / header fields", bytes(http.maxHeaderBytes) + " (`--max-header-bytes`) / \(http.maxHeaderCount)"),
            ("request body", bytes(http.maxBodyBytes)),
            ("chunk-size line / trailers", bytes(http.maxChunkLineBytes) + " / " + bytes(http.maxTrailerBytes)),
            ("open connections", number(server.maxConnections)),
            ("headers must arrive within", seconds(server.headerTimeout)),
            ("keep-alive idle", seconds(server.idleTimeout)),
            ("body read gap, response write", seconds(server.ioTimeout)),
            ("pipelined responses gathered", bytes(server.maxPendingOutput)),
            ("listen backlog", number(Int(TCPListener.defaultBacklog))),
            ("PostgreSQL: connecting / one statement", seconds(PostgresConnection.defaultConnectTimeout) + " / " + seconds(PostgresConnection.defaultTimeout)),
            ("cluster: record size / bytes per group commit", bytes(cluster.maxRecordBytes) + " / " + bytes(cluster.maxBatchBytes)),
            ("cluster: recent entries kept for followers / rows per read", number(cluster.recentEntries) + " / " + number(cluster.readPage)),
            ("cluster: connections for reads that miss memory (per log)", number(cluster.readConnections)),
            ("cluster: follower's look at the log without a notification", "every " + seconds(cluster.followCheck)),
            ("cluster: reconnecting to the store", "waits \(Double(cluster.reconnectDelay.lowerBound.milliseconds) / 1000) s doubling to " + seconds(cluster.reconnectDelay.upperBound)),
            ("cluster: lease on a running mission", seconds(runtime.leaseDuration) + " (`--lease-seconds`)"),
            ("cluster: wait for a claim's holder to reach the node", seconds(MissionRuntime.claimWaitLimit)),
            ("cluster: `Retry-After` of a 503 `store_unavailable`", "\(APIError.storeRetryAfterSeconds) s"),
            ("read buffer per connection: HTTP / WebSocket", bytes(HTTPConnection.readBufferBytes) + " / " + bytes(LiveSession.readBufferBytes)),
            ("ended missions waiting for their last sync", number(executor.maxUnsettled)),
            ("shutdown's wait for them", seconds(MissionExecutor.settleLimit)),
            ("missions per `GET /api/missions`", "\(MissionAPI.defaultPageSize), at most \(number(MissionAPI.maxPageSize))"),
            ("WebSocket message", bytes(live.maxMessageBytes)),
            ("outbound bytes queued per WebSocket", bytes(live.maxQueuedBytes)),
            ("slow consumer / ping interval / close wait",
             seconds(live.slowConsumerTimeout) + " (`--slow-consumer-timeout`) / " + seconds(live.pingInterval) + " / " + seconds(live.closeTimeout)),
            ("rooms per connection / missions in a snapshot", "\(live.maxRoomsPerConnection) / \(number(live.snapshotMissions))"),
        ]
    }

    @Test func every_default_in_the_readme_is_the_code_s() throws {
        let rows = try Self.readmeRows()
        for (what, start) in Self.expected {
            let written = try #require(rows[what], "the README's limits table has no row '\(what)'")
            #expect(written.hasPrefix(start), "'\(what)': the README says '\(written)', the code '\(start)'")
        }
    }

    @Test func the_renderings_are_those_the_table_uses() {
        #expect(Self.bytes(4 << 20) == "4 MiB")
        #expect(Self.bytes(64 << 10) == "64 KiB")
        #expect(Self.number(100_000) == "100,000")
        #expect(Self.number(64) == "64")
        #expect(Self.seconds(.seconds(10)) == "10 s")
    }
}
