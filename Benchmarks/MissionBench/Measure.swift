import Foundation
import Glibc

/// Wall-clock timing and peak memory of this process.
enum Measure {
    static func seconds(_ body: () async throws -> Void) async rethrows -> Double {
        let start = ContinuousClock.now
        try await body()
        return seconds(ContinuousClock.now - start)
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// Peak resident memory of this address space, or of process `pid` (`VmHWM`). Not
    /// `getrusage`: Linux carries `ru_maxrss` over `exec`, so a child would report its parent's.
    static func peakRSSMegabytes(of pid: Int32? = nil) -> Double { statusField("VmHWM:", pid) }

    static func currentRSSMegabytes(of pid: Int32? = nil) -> Double { statusField("VmRSS:", pid) }

    /// CPU time (user + system) this process has used so far, all threads.
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    private static func statusField(_ name: String, _ pid: Int32?) -> Double {
        let status = (try? String(contentsOfFile: "/proc/\(pid.map(String.init) ?? "self")/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix(name) } ?? ""
        let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
        return kilobytes / 1024
    }

    static func format(_ value: Double, _ digits: Int = 0) -> String {
        String(format: "%.\(digits)f", value)
    }

    static func report(_ name: String, _ fields: KeyValuePairs<String, String>) {
        print(([name] + fields.map { "\($0.key)=\($0.value)" }).joined(separator: "  "))
    }
}
