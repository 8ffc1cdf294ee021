import MissionService
import MissionModel
import MissionStore
enum ServeCommand {
    static func execute(_ context: CommandContext) async throws -> Int32 {
        let parsed = context.parsed
        let workers = try parsed.int("--workers", in: 1...256) ?? 4
        let grace = try parsed.double("--grace-seconds", positive: false) ?? 10
        guard grace >= 0 else { throw ArgumentError.invalidValue(command: "serve", option: "--grace-seconds", value: "\(grace)", expected: "zero or more seconds") }
        // Handlers first: a SIGTERM that comes as soon as "listening" is printed must find them.
        let signals = ProcessSignals.stream()
        var options = MissionServer.Options(dataDirectory: context.directory)
        options.http.host = parsed.value("--host") ?? "127.0.0.1"
        options.http.port = try parsed.int("--port", in: 0...65535) ?? 8080
        options.http.maxConnections = try parsed.int("--max-connections", in: 1...100_000) ?? options.http.maxConnections
        options.http.eventLoops = try parsed.int("--event-loops", in: 0...256) ?? options.http.eventLoops
        if let seconds = try parsed.double("--idle-timeout") { options.http.idleTimeout = .seconds(seconds) }
        if let seconds = try parsed.double("--header-timeout") { options.http.headerTimeout = .seconds(seconds) }
        if let bytes = try parsed.int("--max-body-bytes", in: 1...(1 << 30)) { options.http.parser.maxBodyBytes = bytes }
        if let bytes = try parsed.int("--max-header-bytes", in: 1024...(1 << 20)) { options.http.parser.maxHeaderBytes = bytes }
        if let bytes = try parsed.int("--max-message-bytes", in: 1024...(1 << 30)) { options.live.maxMessageBytes = bytes }
        if let seconds = try parsed.double("--slow-consumer-timeout") { options.live.slowConsumerTimeout = .seconds(seconds) }
        options.token = BearerToken(parsed.value("--token") ?? context.environment["MISSION_TOKEN"])
        options.readToken = BearerToken(parsed.value("--read-token") ?? context.environment["MISSION_READ_TOKEN"])
        options.insecure = parsed.has("--insecure")
        options.browsers.allowedOrigins = parsed.all("--allow-origin")
        options.browsers.allowedHosts = parsed.all("--allow-host")
        for origin in options.browsers.allowedOrigins where BrowserGuard.normalisedOrigin(origin) == nil {
            throw ArgumentError.invalidValue(command: "serve", option: "--allow-origin", value: origin, expected: "an origin such as http://app.example:3000")
        }
        options.accessLog = parsed.has("--access-log")
        options.grace = .seconds(grace)
        options.checkpointEvery = try parsed.int("--checkpoint-every", in: 1...Int.max) ?? Checkpoint.defaultInterval
        options.runtime.tools = try ToolRegistry.standard(allowCommands: parsed.all("--allow-command"), agent: parsed.value("--agent"),
                                                               denyPrivateNetworks: parsed.has("--deny-private-networks"))
        options.runtime.executor.workers = workers
        options.runtime.maxQueued = try parsed.int("--max-queued", in: 1...10_000_000) ?? options.runtime.maxQueued
        options.runtime.maxPerKey = try parsed.int("--max-per-key", in: 1...10_000) ?? options.runtime.maxPerKey
        options.runtime.segmentBytes = try parsed.int("--segment-bytes", in: 4096...(1 << 40)) ?? options.runtime.segmentBytes
        options.runtime.retention = RetentionPolicy(days: try parsed.int("--retain-days", in: 0...RetentionPolicy.maxDays),
                                                    missions: try parsed.int("--retain-missions", in: 0...RetentionPolicy.maxMissions),
                                                    archive: parsed.has("--archive"))
        if let seconds = try parsed.double("--segment-max-age") {
            guard seconds >= 1, seconds <= 366 * 86_400 else {
                throw ArgumentError.invalidValue(command: "serve", option: "--segment-max-age", value: String(seconds), expected: "seconds from 1 to 31622400 (a year)")
            }
            options.runtime.segmentMaxAge = .milliseconds(Int((seconds * 1000).rounded()))
        }
        if let secret = parsed.value("--callback-secret") ?? context.environment["MISSION_CALLBACK_SECRET"], !secret.isEmpty {
            options.runtime.callbacks.secret = Array(secret.utf8)
        }
        options.runtime.callbacks.allowedHosts = Set(parsed.all("--allow-callback-host").map { $0.lowercased() })
        options.report = { Console.err("mission serve: \($0)") }
        if let url = try context.namedStore() {
            guard !options.runtime.retention.isEnabled else {
                throw CommandFailure("--retain-days and --retain-missions work on the embedded store only for now; a cluster store keeps every record (issue 21)")
            }
            options.runtime.store = url
            options.runtime.nodeID = parsed.value("--node-id") ?? MissionRuntime.defaultNodeID(port: options.http.port)
            if let seconds = try parsed.double("--lease-seconds") { options.runtime.leaseDuration = .milliseconds(Int((seconds * 1000).rounded())) }
        }

        let settings = options
        let started = ContinuousClock.now
        let server = try await MissionServer.open(options)
        let report = server.runtime.openReport
        for line in report.tornLines { options.report(line) }
        let place = server.runtime.clusterStore ?? context.directory.path
        options.report("\(place): \(report.missionsRecords) mission records, \(report.signalsRecords) signal records; \(report.checkpoint)")
        try await server.run {
            let options = settings
            let ready = started.duration(to: .now)
            options.report("ready in \(ready.milliseconds) ms with \(workers) workers\(options.token == nil ? "" : "; POSTs need the bearer token")")
            Console.out("listening on http://\(Self.urlHost(options.http.host)):\(server.port)")
            for await signal in signals {
                options.report("\(ProcessSignals.name(signal)): stopping; new requests get 503, running missions have \(grace) s to finish")
                break
            }
        }
        guard server.runtime.storage == "ok" else {
            options.report("stopped with the \(server.runtime.clusterStore == nil ? "disk" : "store") unable to take writes: \(server.runtime.store.log.lastSeq) mission records are synced; "
                           + "what could not be written was never acknowledged")
            return ExitStatus.failure
        }
        options.report("stopped; logs synced (\(server.runtime.store.log.lastSeq) mission records)")
        return ExitStatus.success
    }

    static func urlHost(_ host: String) -> String {
        host.contains(":") ? "[\(host)]" : host
    }
}
