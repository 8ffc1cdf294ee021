import MissionService
import MissionModel
import MissionStore
import Foundation

enum RunCommand {
    enum Outcome: Sendable {
        case finished
        case interrupted(Int32)
    }

    static func execute(_ context: CommandContext) async throws -> Int32 {
        let request = try makeRequest(context.parsed)
        // Handlers first: a Ctrl-C that comes as soon as output appears must find them.
        let signals = ProcessSignals.stream()
        var options = MissionRuntime.Options(dataDirectory: context.directory)
        options.reportCheckpoints = false
        options.tools = try ToolRegistry.standard(allowCommands: context.parsed.all("--allow-command"), agent: context.parsed.value("--agent"),
                                                      denyPrivateNetworks: context.parsed.has("--deny-private-networks"))
        options.executor.workers = 1
        options.executor.report = { Console.err($0) }
        let runtime = try MissionRuntime(options)
        await runtime.holdLiveMissions()
        let submission: Submission
        do {
            submission = try await runtime.submit(request)
        } catch {
            await runtime.close()
            throw error
        }
        let id = submission.whiteboard.missionID
        let firstSeq = submission.whiteboard.timeline.first?.seq ?? 1
        if case .deduplicated(let twin) = submission {
            // An identical mission is live in the log, and no other process can be running it
            // (this one holds the directory): run that one.
            guard twin.status == .queued else {
                await runtime.close()
                throw CommandFailure("an identical mission, \(id), was left \(twin.status.rawValue) by a process that stopped; `mission serve` recovers and runs it")
            }
            await runtime.queue.promote(id)
            Console.err("mission \(id): an identical mission was already queued; running it")
        }
        Console.err("mission \(id): \(request.objective.type) mission in \(context.directory.path) (Ctrl-C puts it back in the queue)")
        let outcome = await withTaskGroup(of: Outcome?.self) { group in
            group.addTask {
                await runtime.executor.run()
                return nil
            }
            group.addTask {
                // Progress: this mission's records as they are committed, until it is terminal.
                do {
                    for try await entry in runtime.store.log.follow(after: firstSeq - 1) where entry.missionID == id {
                        Console.err(RecordFormatter.line(entry))
                        // By the record itself: the board may already be past it (one commit can
                        // carry a whole attempt).
                        if try entry.record()["status"]?.stringValue.flatMap(MissionStatus.init(rawValue:))?.isTerminal == true { return .finished }
                    }
                } catch {
                    Console.err("mission \(id): cannot follow the log: \(error)")
                }
                return nil
            }
            group.addTask {
                for await signal in signals { return .interrupted(signal) }
                return nil
            }
            var outcome: Outcome = .finished
            while let next = await group.next() {
                if let next {
                    outcome = next
                    break
                }
            }
            if case .interrupted(let signal) = outcome {
                Console.err("mission \(id): \(ProcessSignals.name(signal)): stopping; the mission goes back to queued")
            }
            await runtime.executor.shutdown(grace: .zero)
            group.cancelAll()
            return outcome
        }
        await runtime.close()
        guard let board = runtime.store.whiteboard(id) else { throw CommandFailure("mission \(id) vanished from the log") }
        context.printWhiteboard(board)
        if case .interrupted = outcome { return ExitStatus.interrupted }
        return board.status == .completed ? ExitStatus.success : ExitStatus.failure
    }

    static func makeRequest(_ parsed: ArgumentParser.Parsed) throws -> MissionRequest {
        let description = parsed.arguments[0]
        let urls = IntentClassifier.httpURLs(in: description)
        let type = parsed.value("--type") ?? (urls.isEmpty ? "echo" : "fetch")
        var domains = parsed.all("--allowed-domain")
        if domains.isEmpty, type == "fetch" {
            // As chat does: the record names the hosts that an empty list would have meant.
            domains = IntentClassifier.hosts(of: urls)
        }
        let constraints = Constraints(
            allowedDomains: domains,
            maxPages: try parsed.int("--max-pages", in: 1...10_000) ?? Constraints.defaultMaxPages,
            maxDurationSeconds: try parsed.double("--timeout") ?? Constraints.defaultMaxDurationSeconds,
            maxAttempts: try parsed.int("--max-attempts", in: 1...100) ?? Constraints.defaultMaxAttempts)
        return MissionRequest(objective: Objective(type: type, description: description), constraints: constraints,
                              priority: try parsed.int("--priority", in: MissionRequest.priorityRange) ?? MissionCreated.defaultPriority,
                              source: MissionSource(channel: .cli))
    }

}
