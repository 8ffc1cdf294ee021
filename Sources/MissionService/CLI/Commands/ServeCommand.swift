import Foundation

enum ServeCommand {
    static func execute(_ context: CommandContext) async throws -> Int32 {
        let workers = try context.parsed.int("--workers", in: 1...256) ?? 4
        let grace = try context.parsed.double("--grace-seconds", positive: false) ?? 10
        guard grace >= 0 else { throw ArgumentError.invalidValue(command: "serve", option: "--grace-seconds", value: "\(grace)", expected: "zero or more seconds") }
        let checkpointEvery = try context.parsed.int("--checkpoint-every", in: 1...Int.max) ?? Checkpoint.defaultInterval
        // Handlers first: a SIGTERM that comes as soon as "ready" is printed must find them.
        let signals = ProcessSignals.stream()
        var options = MissionRuntime.Options(dataDirectory: context.directory)
        options.tools = try ToolRegistry.standard(allowCommands: context.parsed.all("--allow-command"), agent: context.parsed.value("--agent"))
        options.executor.workers = workers
        options.executor.report = { Console.err("mission serve: \($0)") }
        let started = ContinuousClock.now
        let runtime = try MissionRuntime(options)
        let report = runtime.openReport
        for line in report.tornLines { Console.err("mission serve: \(line)") }
        Console.err("mission serve: \(context.directory.path): \(report.missionsRecords) mission records, \(report.signalsRecords) signal records; \(report.checkpoint)")
        let recovery = try await runtime.executor.recover()
        Console.err("mission serve: resumed \(recovery.requeued.count) queued, recovered \(recovery.recovered.count) interrupted, failed \(recovery.failed.count) out of attempts")
        let ready = started.duration(to: .now)
        Console.err("mission serve: ready in \(ready.components.seconds * 1000 + ready.components.attoseconds / 1_000_000_000_000_000) ms with \(workers) workers")
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await runtime.executor.run() }
            group.addTask { await runtime.runCheckpoints(every: checkpointEvery) }
            group.addTask {
                for await signal in signals {
                    Console.err("mission serve: \(ProcessSignals.name(signal)): stopping; running missions have \(grace) s to finish")
                    break
                }
            }
            // The first child to end is the signal watcher (or run(), if it ever ended alone).
            await group.next()
            await runtime.executor.shutdown(grace: .milliseconds(Int64(grace * 1000)))
            group.cancelAll()
        }
        await runtime.close()
        Console.err("mission serve: stopped; logs synced (\(runtime.store.log.lastSeq) mission records)")
        return ExitStatus.success
    }
}
