import MissionModel
import Glibc

/// How long one `write` + `fdatasync` of a group commit's size takes on this disk, alone: the
/// floor under a durable request's latency (it waits for at least one such sync, often for the
/// end of the one in flight too). Reported beside the POST benchmark, from the same minute.
enum DiskSyncBenchmark {
    /// About what one group commit of ~12 POSTs writes to `missions.jsonl`.
    static let batchBytes = 8 << 10

    static func run(directory: String, seconds: Double) throws {
        let path = directory + "/disk-sync.bin"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0o644)
        guard fd >= 0 else { throw BenchError.failed("cannot open \(path): errno \(errno)") }
        defer { close(fd); unlink(path) }
        let batch = [UInt8](repeating: UInt8(ascii: "x"), count: batchBytes)
        var latencies: [Double] = []
        let clock = ContinuousClock()
        let end = clock.now + .milliseconds(Int(seconds * 1000))
        while clock.now < end {
            let started = clock.now
            guard batch.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) == batch.count, fdatasync(fd) == 0 else {
                throw BenchError.failed("write or fdatasync failed: errno \(errno)")
            }
            latencies.append(Measure.seconds(clock.now - started) * 1000)
        }
        latencies.sort()
        func quantile(_ q: Double) -> String { Measure.format(latencies[min(latencies.count - 1, Int(Double(latencies.count) * q))], 2) }
        Measure.report("disk-sync", ["syncs": "\(latencies.count)", "bytes": "\(batchBytes)", "p50_ms": quantile(0.5), "p90_ms": quantile(0.9),
                                     "p99_ms": quantile(0.99), "max_ms": Measure.format(latencies.last ?? 0, 2)])
    }
}
