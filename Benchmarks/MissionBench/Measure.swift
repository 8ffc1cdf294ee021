import Foundation
import Glibc

/// Wall-clock timing and peak memory of this process.
enum Measure {
    static func seconds(_ body: () async throws -> Void) async rethrows -> Double {
        let start = ContinuousClock.now
        try await body()
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    /// Peak resident memory of this address space (`VmHWM`). Not `getrusage`: Linux carries
    /// `ru_maxrss` over `exec`, so a child would report its parent's peak.
    static var peakRSSMegabytes: Double { statusField("VmHWM:") }

    static var currentRSSMegabytes: Double { statusField("VmRSS:") }

    private static func statusField(_ name: String) -> Double {
        let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
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
