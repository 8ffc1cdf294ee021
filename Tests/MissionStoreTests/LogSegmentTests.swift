import MissionModel
@testable import MissionStore
import Foundation
import Glibc
import MissionTestSupport
import Testing

/// The log as a series of files (CONTRACT §10): sealed segments named by their first seq,
/// then the active `NAME.jsonl`; every record keeps its seq wherever it lives.
@Suite struct LogSegmentTests {
    static func limits(bytes: Int = 300, maxAge: Duration = .seconds(3600)) -> JSONLLog.Limits {
        var limits = JSONLLog.Limits()
        limits.segmentBytes = bytes
        limits.segmentMaxAge = maxAge
        // Every record read back comes from the files, not from memory.
        limits.recentEntries = 1
        return limits
    }

    static func record(_ n: Int, timestamp: Timestamp = .now()) -> JSONObject {
        ["signal_type": .string("test"), "timestamp": .timestamp(timestamp), "n": .int(n), "pad": .string(String(repeating: "x", count: n % 37))]
    }

    /// The names of the files of the log `a` in `dir`, and the seq each first line holds.
    static func files(_ dir: TemporaryDirectory) throws -> [(name: String, firstSeq: Int?)] {
        try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix("a") && $0.hasSuffix(".jsonl") }.sorted()
            .map { name in (name, dir.lines(name).first.flatMap { parse($0)["seq"]?.intValue }) }
    }

    @Test func the_active_file_seals_by_size_and_every_seq_reads_back_across_segments() async throws {
        let dir = TemporaryDirectory()
        let log = try JSONLLog(path: dir.file("a.jsonl"), limits: Self.limits())
        var appended: [LogEntry] = []
        for n in 1...120 {
            appended += try await log.append(n % 3 == 0 ? [Self.record(n), Self.record(n + 1000)] : [Self.record(n)])
        }
        #expect(appended.map(\.seq) == Array(1...appended.count))
        let files = try Self.files(dir)
        #expect(files.count > 10)
        // Each sealed file is named by the seq of its first line, 20 digits; the active one last.
        #expect(files.last?.name == "a.jsonl")
        for file in files.dropLast() {
            #expect(file.name == "a-" + String(format: "%020ld", file.firstSeq ?? -1) + ".jsonl")
        }
        #expect(files.first?.firstSeq == 1)
        let read = try log.entries(after: 0, limit: 10_000)
        #expect(read.map(\.seq) == appended.map(\.seq))
        #expect(read.map(\.line) == appended.map(\.line))
        // A read that starts in one segment and ends in another.
        let middle = try log.entries(after: 17, limit: 30)
        #expect(middle.map(\.seq) == Array(18...47))
        #expect(try log.entries(at: [5, 99, 150]).map(\.seq) == [5, 99, 150])
        await log.close()

        // Reopened: the same records at the same seqs, each replayed once, and appends go on.
        var replayed: [Int] = []
        let again = try JSONLLog(path: dir.file("a.jsonl"), limits: Self.limits(), replay: { seq, record in
            replayed.append(seq)
            #expect(record["seq"]?.intValue == seq)
        })
        #expect(replayed == appended.map(\.seq))
        #expect(try await again.append(Self.record(7)).seq == appended.count + 1)
        #expect(try again.entries(after: 0, limit: 10_000).prefix(appended.count).map(\.line) == appended.map(\.line))
        await again.close()
        let verify = try LogVerifier.verify(path: dir.file("a.jsonl"), kind: .signals)
        #expect(verify.problems.isEmpty)
        #expect(verify.records == appended.count + 1)
        #expect(verify.segments == (try Self.files(dir).count))
    }

    @Test func a_crash_between_the_rename_and_the_new_file_reopens_and_goes_on() async throws {
        let dir = TemporaryDirectory()
        let log = try JSONLLog(path: dir.file("a.jsonl"), limits: Self.limits(bytes: 1 << 20))
        for n in 1...10 { _ = try await log.append(Self.record(n)) }
        await log.close()
        // What a crash right after sealing's rename leaves: no active file.
        #expect(rename(dir.file("a.jsonl"), LogSegments.sealedPath(of: dir.file("a.jsonl"), firstSeq: 1)) == 0)
        let reopened = try JSONLLog(path: dir.file("a.jsonl"), limits: Self.limits(bytes: 1 << 20))
        #expect(reopened.lastSeq == 10)
        #expect(try await reopened.append(Self.record(11)).seq == 11)
        #expect(try reopened.entries(after: 0, limit: 100).map(\.seq) == Array(1...11))
        await reopened.close()
        #expect(dir.lines("a.jsonl").count == 1)
        #expect(parse(dir.lines("a.jsonl")[0])["seq"] == .int(11))
    }

    @Test func a_missing_segment_is_refused_at_open_and_named_by_verify() async throws {
        let dir = TemporaryDirectory()
        let log = try JSONLLog(path: dir.file("a.jsonl"), limits: Self.limits())
        for n in 1...60 { _ = try await log.append(Self.record(n)) }
        await log.close()
        let files = try Self.files(dir)
        #expect(files.count >= 4)
        try FileManager.default.removeItem(atPath: dir.file(files[1].name))
        // Every seq after the gap would move: the log does not open, and says which file.
        #expect {
            _ = try JSONLLog(path: dir.file("a.jsonl"), limits: Self.limits())
        } throws: { error in
            "\(error)".contains(files[2].name) && "\(error)".contains("missing")
        }
        let report = try LogVerifier.verify(path: dir.file("a.jsonl"), kind: .signals)
        #expect(report.problems.contains { $0.message.contains(files[2].name) })
    }

    @Test func a_segment_whose_first_record_is_old_seals_at_the_next_commit() async throws {
        let dir = TemporaryDirectory()
        let old = Timestamp(parsing: "2020-01-02T03:04:05Z")!
        let log = try JSONLLog(path: dir.file("a.jsonl"), limits: Self.limits(bytes: 1 << 30, maxAge: .seconds(86_400)))
        _ = try await log.append([Self.record(1, timestamp: old), Self.record(2, timestamp: old)])
        await log.close()
        // The age of a file comes from its first record, so it holds across a restart.
        let again = try JSONLLog(path: dir.file("a.jsonl"), limits: Self.limits(bytes: 1 << 30, maxAge: .seconds(86_400)))
        _ = try await again.append(Self.record(3))
        _ = try await again.append(Self.record(4))
        await again.close()
        let files = try Self.files(dir)
        #expect(files.map(\.name) == ["a-00000000000000000001.jsonl", "a.jsonl"])
        #expect(dir.lines("a-00000000000000000001.jsonl").count == 3)
        #expect(dir.lines("a.jsonl").map { parse($0)["seq"] } == [.int(4)])
    }

    @Test func a_reader_of_another_process_follows_the_log_across_seals() async throws {
        let dir = TemporaryDirectory()
        let writer = try JSONLLog(path: dir.file("a.jsonl"), limits: Self.limits())
        _ = try await writer.append(Self.record(1))
        let reader = try JSONLLog(path: dir.file("a.jsonl"), mode: .readOnly, limits: Self.limits())
        #expect(reader.lastSeq == 1)
        for round in 0..<5 {
            for n in 1...15 { _ = try await writer.append(Self.record(round * 100 + n)) }
            try reader.refresh()
            #expect(reader.lastSeq == writer.lastSeq)
        }
        #expect(try Self.files(dir).count > 3)
        let written = try writer.entries(after: 0, limit: 1000)
        #expect(try reader.entries(after: 0, limit: 1000).map(\.line) == written.map(\.line))
        await writer.close()
        await reader.close()
    }

    @Test func a_checkpoint_prefix_is_checked_across_segments() async throws {
        let dir = TemporaryDirectory()
        let log = try JSONLLog(path: dir.file("a.jsonl"), limits: Self.limits())
        for n in 1...50 { _ = try await log.append(Self.record(n)) }
        let trusted = try #require(try log.trustedPrefix(through: 40))
        for n in 51...60 { _ = try await log.append(Self.record(n)) }
        await log.close()
        var replayed: [Int] = []
        let reopened = try JSONLLog(path: dir.file("a.jsonl"), limits: Self.limits(), trusted: trusted, replay: { seq, _ in replayed.append(seq) })
        #expect(replayed == Array(41...60))
        #expect(try reopened.entries(after: 38, limit: 4).map(\.seq) == [39, 40, 41, 42])
        await reopened.close()
        // A sealed segment changed under the checkpoint: its last covered line no longer matches.
        var changed = trusted
        changed.lineHash ^= 1
        #expect(throws: JSONLLog.CheckpointMismatch.self) {
            _ = try JSONLLog(path: dir.file("a.jsonl"), limits: Self.limits(), trusted: changed)
        }
    }

    @Test func repair_keeps_each_segment_its_name_and_each_record_its_seq() async throws {
        let dir = TemporaryDirectory()
        let log = try JSONLLog(path: dir.file("a.jsonl"), limits: Self.limits())
        for n in 1...60 { _ = try await log.append(Self.record(n)) }
        await log.close()
        let before = try Self.files(dir)
        let damaged = before[2]
        var lines = dir.lines(damaged.name)
        lines[1] = "{ damaged"
        dir.write(damaged.name, lines.joined(separator: "\n") + "\n")
        let report = try LogRepair.repair(path: dir.file("a.jsonl"), kind: .signals, now: .now())
        #expect(report.replaced == [damaged.firstSeq! + 1])
        #expect(report.originals.count == 1)
        #expect(try Self.files(dir).map(\.name) == before.map(\.name))
        let reopened = try JSONLLog(path: dir.file("a.jsonl"), limits: Self.limits())
        let read = try reopened.entries(after: 0, limit: 1000)
        #expect(read.map(\.seq) == Array(1...60))
        #expect(try read[damaged.firstSeq!].record()["signal_type"] == .string(LogRepair.lostType))
        await reopened.close()
    }

    @Test func reads_racing_with_seals_and_drops_get_the_right_records_or_a_clear_gone() async throws {
        let dir = TemporaryDirectory()
        let log = try JSONLLog(path: dir.file("a.jsonl"), limits: Self.limits(bytes: 2000))
        let appenders = 6, perAppender = 150
        try await withThrowingTaskGroup(of: Void.self) { group in
            for a in 0..<appenders {
                group.addTask {
                    for n in 0..<perAppender { _ = try await log.append(Self.record(a * 1000 + n)) }
                }
            }
            for r in 0..<2 {
                group.addTask {
                    var generator = SplitMix64(seed: UInt64(r))
                    while log.lastSeq < appenders * perAppender {
                        let after = Int(generator.next() % UInt64(max(1, log.lastSeq)))
                        do {
                            let entries = try log.entries(after: after, limit: 40)
                            // Never a wrong line: each holds the seq it was read as, in order.
                            for entry in entries { #expect(try entry.record()["seq"]?.intValue == entry.seq) }
                            if let first = entries.first { #expect(entries.map(\.seq) == Array(first.seq..<(first.seq + entries.count))) }
                        } catch let error as LogError {
                            guard case .gone = error else { throw error }
                        }
                        await Task.yield()
                    }
                }
            }
            group.addTask {
                // Retention drops what the readers may be reading.
                _ = await log.waitForCommit(after: appenders * perAppender / 2 - 1)
                try log.dropSegments(before: log.lastSeq / 2, archive: nil)
            }
            try await group.waitForAll()
        }
        #expect(log.firstSeq > 1)
        let kept = try log.entries(after: 0, limit: 10_000)
        #expect(kept.map(\.seq) == Array(log.firstSeq...(appenders * perAppender)))
        await log.close()
    }
}
