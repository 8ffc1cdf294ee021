import MissionModel
import Foundation
import MissionService

/// Writes a realistic missions log: per mission `created, queued, active, progress, completed`.
enum LogGenerator {
    static let recordsPerMission = 5

    /// `segmentBytes`: write the log as segments (CONTRACT §10) of about that size, each named
    /// by its first seq, the last one `path` itself; nil: one file.
    static func write(missions: Int, to path: String, segmentBytes: Int? = nil) throws {
        let stem = String(path.dropLast(".jsonl".count))
        var segmentPath = segmentBytes == nil ? path : stem + "-" + String(format: "%020ld", 1) + ".jsonl"
        var written = 0
        _ = FileManager.default.createFile(atPath: segmentPath, contents: nil)
        var handle = FileHandle(forWritingAtPath: segmentPath)!
        defer {
            try? handle.close()
            if segmentBytes != nil { _ = rename(segmentPath, path) }
        }
        var seq = 0
        var chunk: [UInt8] = []
        chunk.reserveCapacity(8 << 20)
        let base = Timestamp(parsing: "2026-11-21T10:00:00.000Z")!.millisecondsSinceEpoch
        for m in 0..<missions {
            let id = "m-" + String(UInt64(m) &* 0x9E3779B97F4A7C15, radix: 16)
            let t = { (offset: Int64) in Timestamp(millisecondsSinceEpoch: base + Int64(m) * 10 + offset) }
            let description = "summarise the release notes of project \(m) and list what changed"
            let bodies: [MissionEvent.Body] = [
                .created(MissionCreated(objective: Objective(type: "echo", description: description), constraints: Constraints(),
                                        source: MissionSource(channel: .chat, sessionID: "s-\(m % 1000)"))),
                .status(StatusUpdate(status: .queued, reason: "enqueued", attempt: 0)),
                .status(StatusUpdate(status: .active, reason: "execution_started", attempt: 1)),
                .progress(MissionProgress(phase: "echo", message: "echoing \(description.count) characters")),
                .status(StatusUpdate(status: .completed, reason: "execution_finished", attempt: 1, completedAt: t(4),
                                     executionResult: ExecutionResult(success: true, finalAnswer: description, toolsUsed: ["echo"]))),
            ]
            for (i, body) in bodies.enumerated() {
                seq += 1
                var record = MissionEvent(timestamp: t(Int64(i)), missionID: id, body: body).record
                record.members.insert(.init(key: "seq", value: .int(seq)), at: 0)
                chunk += JSONWriter.encode(record)
                chunk.append(0x0A)
            }
            if chunk.count > min(7 << 20, segmentBytes ?? .max) {
                handle.write(Data(chunk))
                written += chunk.count
                chunk.removeAll(keepingCapacity: true)
                // A new segment starts at a mission's first record.
                if let segmentBytes, written >= segmentBytes {
                    try? handle.close()
                    segmentPath = stem + "-" + String(format: "%020ld", seq + 1) + ".jsonl"
                    _ = FileManager.default.createFile(atPath: segmentPath, contents: nil)
                    handle = FileHandle(forWritingAtPath: segmentPath)!
                    written = 0
                }
            }
        }
        handle.write(Data(chunk))
    }
}
