import MissionModel
import MissionStore
import Foundation
import MissionService

// mission-bench [all|control|history|appends|replay|startup|memory|generate|ws|ws-cycles|e2e|e2e-reference|intake|execution|disk-sync] [--quick] [--dir DIR] [--missions N]
// Prints one line per figure; BENCHMARKS.md records them with the command and date.
Console.configure()
let arguments = Array(CommandLine.arguments.dropFirst())
let quick = arguments.contains("--quick")
let what = arguments.first { !$0.hasPrefix("-") && !$0.hasPrefix("/") } ?? "all"
let directory = arguments.firstIndex(of: "--dir").map { arguments[$0 + 1] } ?? NSTemporaryDirectory() + "mission-bench-\(getpid())"
try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
/// Ends the run, removing the scratch directory unless the caller named it (`exit` skips a
/// top-level `defer`, which left one directory behind per run).
func finish() -> Never {
    if !arguments.contains("--dir") { try? FileManager.default.removeItem(atPath: directory) }
    exit(0)
}

if what == "generate" {
    // For scripts/bench-http: a missions log of --missions N under --dir, nothing else.
    let missions = arguments.firstIndex(of: "--missions").flatMap { Int(arguments[$0 + 1]) } ?? 1000
    try LogGenerator.write(missions: missions, to: directory + "/missions.jsonl")
    finish()
}

func option(_ name: String) -> String? { arguments.firstIndex(of: name).map { arguments[$0 + 1] } }

if what == "control" {
    // Issue 23: delayed missions against their run_at, and a lone key behind a burst (with FIFO beside it).
    let missions = Int(option("--missions") ?? "") ?? (quick ? 10_000 : 100_000)
    try await ControlBenchmark.delayed(directory: directory, missions: missions, spread: .seconds(10))
    let burst = quick ? 1_000 : 10_000
    try await ControlBenchmark.fairness(directory: directory, burst: burst, keyed: true)
    try await ControlBenchmark.fairness(directory: directory, burst: burst, keyed: false)
    finish()
}

if what == "history" {
    // Issue 21: a retention pass over --missions ended missions under durable-submission load.
    let missions = Int(option("--missions") ?? "") ?? (quick ? 50_000 : 1_000_000)
    try await HistoryBenchmark.run(directory: directory, missions: missions, window: quick ? .seconds(2) : .seconds(10))
    finish()
}

if what == "e2e" || what == "e2e-reference" {
    // For scripts/bench: `e2e` against a server it started, `e2e-reference` in this process.
    let missions = Int(option("--missions") ?? "") ?? 10_000
    let connections = Int(option("--connections") ?? "") ?? 64
    if what == "e2e" {
        try await EndToEndBenchmark.run(port: Int(option("--port") ?? "") ?? 8080, pid: Int32(option("--pid") ?? "") ?? 0,
                                        missions: missions, connections: connections)
    } else {
        try await EndToEndBenchmark.reference(directory: directory, missions: missions, concurrency: connections)
    }
    finish()
}

if what == "intake" {
    try await IntakeBenchmark.run(directory: directory, missions: Int(option("--missions") ?? "") ?? 100_000,
                                  concurrency: Int(option("--connections") ?? "") ?? 64)
    finish()
}

if what == "disk-sync" {
    try DiskSyncBenchmark.run(directory: directory, seconds: Double(option("--seconds") ?? "") ?? 5)
    finish()
}

if what == "execution" {
    try await ExecutionBenchmark.run(directory: directory, missions: Int(option("--missions") ?? "") ?? 100_000,
                                     workers: option("--workers").flatMap { Int($0) })
    finish()
}

if what == "ws" || what == "ws-cycles" {
    // For scripts/bench-ws, against a server that scripts/bench-ws started.
    let port = Int(option("--port") ?? "") ?? 8080
    let reference = arguments.contains("--reference")
    if what == "ws-cycles" {
        try await LiveBenchmark.cycles(port: port, pid: Int32(option("--pid") ?? "") ?? 0, cycles: Int(option("--cycles") ?? "") ?? 10_000,
                                       batch: Int(option("--batch") ?? "") ?? 20, reference: reference)
    } else {
        try await LiveBenchmark.run(LiveBenchmark.Options(port: port, mission: option("--mission"), subscribers: Int(option("--subscribers") ?? "") ?? 50,
                                                          events: Int(option("--events") ?? "") ?? 200, rate: Double(option("--rate") ?? "") ?? 20,
                                                          reference: reference,
                                                          subscriberPorts: (option("--subscriber-ports") ?? "").split(separator: ",").compactMap { Int($0) }))
    }
    finish()
}

if what == "hold" {
    // Child of `memory`: open the data directory like the service does and report peak RSS.
    var opened: MissionRuntime?
    let seconds = try await Measure.seconds { opened = try MissionRuntime(MissionRuntime.Options(dataDirectory: DataDirectory(path: arguments[1]))) }
    let runtime = opened!
    print("open_seconds=\(Measure.format(seconds, 3)) ", terminator: "")
    print("missions=\(runtime.store.board.count) peak_rss_mb=\(Measure.format(Measure.peakRSSMegabytes(), 1)) rss_now_mb=\(Measure.format(Measure.currentRSSMegabytes(), 1))")
    finish()
}

print("# mission-bench \(what)\(quick ? " --quick" : "") on \(ProcessInfo.processInfo.activeProcessorCount) cores, \(ProcessInfo.processInfo.physicalMemory >> 30) GiB")
if what == "all" || what == "appends" {
    try await AppendBenchmark.run(directory: directory, quick: quick,
                                  only: arguments.firstIndex(of: "--appenders").flatMap { Int(arguments[$0 + 1]) })
}
if what == "all" || what == "replay" || what == "startup" {
    let missions = quick ? 10_000 : 200_000
    let dataDir = directory + "/large"
    try FileManager.default.createDirectory(atPath: dataDir, withIntermediateDirectories: true)
    let generate = try await Measure.seconds { try LogGenerator.write(missions: missions, to: dataDir + "/missions.jsonl") }
    let records = missions * LogGenerator.recordsPerMission
    let bytes = (try FileManager.default.attributesOfItem(atPath: dataDir + "/missions.jsonl")[.size] as? Int) ?? 0
    Measure.report("generated", ["records": "\(records)", "megabytes": Measure.format(Double(bytes) / 1e6, 1), "seconds": Measure.format(generate, 1)])
    if what != "startup" { try ReplayBenchmark.run(log: dataDir + "/missions.jsonl", records: records) }
    if what != "replay" { try await StartupBenchmark.run(directory: dataDir, records: records) }
    if !arguments.contains("--keep") { try? FileManager.default.removeItem(atPath: dataDir) }
}
if what == "all" || what == "memory" {
    let missions = quick ? 5_000 : 100_000
    let dataDir = directory + "/memory"
    try FileManager.default.createDirectory(atPath: dataDir, withIntermediateDirectories: true)
    try LogGenerator.write(missions: missions, to: dataDir + "/missions.jsonl")
    for checkpoint in [false, true] {
        if !checkpoint {
            // Let a first open write the checkpoint that the second measurement starts from.
            let runtime = try MissionRuntime(MissionRuntime.Options(dataDirectory: DataDirectory(path: dataDir)))
            await runtime.close()
            try FileManager.default.moveItem(atPath: dataDir + "/missions.checkpoint", toPath: dataDir + "/saved.checkpoint")
        } else {
            try FileManager.default.moveItem(atPath: dataDir + "/saved.checkpoint", toPath: dataDir + "/missions.checkpoint")
        }
        let child = Process()
        child.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
        child.arguments = ["hold", dataDir]
        let pipe = Pipe()
        child.standardOutput = pipe
        try child.run()
        child.waitUntilExit()
        let line = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        print("memory  checkpoint=\(checkpoint ? "yes" : "no")  \(line)  goal=<200")
    }
    try? FileManager.default.removeItem(atPath: dataDir)
}
finish()
