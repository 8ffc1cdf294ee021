import MissionModel
@testable import MissionStore
import Foundation
import MissionTestSupport
import Testing

@Suite struct JSONLLogTests {
    @Test func appends_get_consecutive_seqs_that_equal_line_numbers() async throws {
        let dir = TemporaryDirectory()
        let log = try JSONLLog(path: dir.file("a.jsonl"))
        let first = try await log.append(makeRecord(1))
        let batch = try await log.append([makeRecord(2), makeRecord(3)])
        await log.close()
        #expect(first.seq == 1)
        #expect(batch.map(\.seq) == [2, 3])
        let lines = dir.lines("a.jsonl")
        #expect(lines.count == 3)
        for (index, line) in lines.enumerated() {
            #expect(line.hasPrefix("{\"seq\":\(index + 1),"))
            #expect(parse(line)["n"] == .int(index + 1))
        }
    }

    @Test func entries_of_appended_and_enqueued_records_give_back_the_record_seq_first() async throws {
        let dir = TemporaryDirectory()
        let log = try JSONLLog(path: dir.file("a.jsonl"), keyField: "mission_id")
        let appended = try await log.append(["mission_id": .string("m-1"), "n": .int(1)])
        try log.enqueue([["mission_id": .string("m-2"), "n": .int(2)]])
        await log.flush()
        // The appender's own entry, and both as any reader gets them after the commit.
        #expect(try appended.record() == ["seq": .int(1), "mission_id": .string("m-1"), "n": .int(1)])
        #expect(try appended.record().members.first?.key == "seq")
        #expect(appended.missionID == "m-1")
        let read = try await log.entries(after: 0)
        #expect(read.map(\.seq) == [1, 2])
        #expect(try read[1].record() == ["seq": .int(2), "mission_id": .string("m-2"), "n": .int(2)])
        #expect(read.map(\.missionID) == ["m-1", "m-2"])
        await log.close()
        #expect(dir.lines("a.jsonl") == [#"{"seq":1,"mission_id":"m-1","n":1}"#, #"{"seq":2,"mission_id":"m-2","n":2}"#])
    }

    @Test func hundreds_of_concurrent_appenders_get_contiguous_durable_seqs() async throws {
        let dir = TemporaryDirectory()
        let log = try JSONLLog(path: dir.file("a.jsonl"))
        let appenders = 300, perAppender = 20
        let seqs = try await withThrowingTaskGroup(of: [Int].self) { group in
            for a in 0..<appenders {
                group.addTask {
                    var seqs: [Int] = []
                    for i in 0..<perAppender {
                        let entry = try await log.append(makeRecord(a * 1000 + i))
                        // Acknowledged means on disk: the line must already be in the file.
                        #expect(entry.seq <= log.lastSeq)
                        seqs.append(entry.seq)
                    }
                    return seqs
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(seqs.sorted() == Array(1...(appenders * perAppender)))
        await log.close()
        let lines = dir.lines("a.jsonl")
        #expect(lines.count == appenders * perAppender)
        var seen = Set<Int>()
        for (index, line) in lines.enumerated() {
            let record = parse(line)
            #expect(record["seq"] == .int(index + 1))
            seen.insert(record["n"]!.intValue!)
        }
        #expect(seen.count == appenders * perAppender)
    }

    @Test func reopening_continues_the_sequence() async throws {
        let dir = TemporaryDirectory()
        var log = try JSONLLog(path: dir.file("a.jsonl"))
        _ = try await log.append([makeRecord(1), makeRecord(2)])
        await log.close()
        log = try JSONLLog(path: dir.file("a.jsonl"))
        #expect(log.lastSeq == 2)
        #expect(try await log.append(makeRecord(3)).seq == 3)
        await log.close()
    }

    @Test func torn_tail_is_set_aside_on_open() async throws {
        let dir = TemporaryDirectory()
        dir.write("a.jsonl", "{\"seq\":1,\"n\":1}\n{\"seq\":2,\"n\":2}\n{\"seq\":3,\"n\"")
        let log = try JSONLLog(path: dir.file("a.jsonl"))
        #expect(log.openReport.tornBytes == 12)
        #expect(log.lastSeq == 2)
        #expect(try await log.append(makeRecord(3)).seq == 3)
        await log.close()
        #expect(dir.read("a.jsonl.torn") == "{\"seq\":3,\"n\"\n")
        #expect(dir.lines("a.jsonl").count == 3)
        #expect(parse(dir.lines("a.jsonl")[2])["seq"] == .int(3))
    }

    @Test func corrupt_line_in_the_middle_refuses_to_open_and_names_the_line() throws {
        let dir = TemporaryDirectory()
        let original = "{\"seq\":1}\n{\"seq\":2,\n{\"seq\":3}\n"
        dir.write("a.jsonl", original)
        #expect(throws: LogError.self) { try JSONLLog(path: dir.file("a.jsonl")) }
        do {
            _ = try JSONLLog(path: dir.file("a.jsonl"))
        } catch let error as LogError {
            guard case .corruptLine(let path, let line, _) = error else { Issue.record("wrong error \(error)"); return }
            #expect(path == dir.file("a.jsonl"))
            #expect(line == 2)
            #expect(error.description.contains("a.jsonl:2"))
        } catch {
            Issue.record("unexpected \(error)")
        }
        #expect(dir.read("a.jsonl") == original)
    }

    @Test func a_seq_that_disagrees_with_the_line_number_is_corrupt() throws {
        let dir = TemporaryDirectory()
        dir.write("a.jsonl", "{\"seq\":1}\n{\"seq\":3}\n")
        #expect(throws: LogError.corruptLine(path: dir.file("a.jsonl"), line: 2, reason: "seq is 3 on line 2")) {
            try JSONLLog(path: dir.file("a.jsonl"))
        }
    }

    @Test func legacy_lines_without_seq_take_their_line_number() async throws {
        let dir = TemporaryDirectory()
        dir.write("a.jsonl", "{\"n\":1}\n{\"n\":2}\n")
        var replayed: [Int] = []
        let log = try JSONLLog(path: dir.file("a.jsonl"), replay: { seq, _ in replayed.append(seq) })
        #expect(replayed == [1, 2])
        let entries = try await log.entries(after: 0)
        #expect(entries.map(\.seq) == [1, 2])
        #expect(try entries[1].record()["seq"] == .int(2))
        #expect(try await log.append(makeRecord(3)).seq == 3)
        await log.close()
    }

    @Test func reads_from_any_seq_from_memory_and_from_the_file() async throws {
        let dir = TemporaryDirectory()
        var limits = JSONLLog.Limits()
        limits.recentEntries = 4
        let log = try JSONLLog(path: dir.file("a.jsonl"), limits: limits)
        for i in 1...10 { try await log.append(makeRecord(i)) }
        #expect(try log.entries(after: 0, limit: 3).map(\.seq) == [1, 2, 3])
        #expect(try await log.entries(after: 7).map(\.seq) == [8, 9, 10])
        #expect(try await log.entries(after: 10).isEmpty)
        #expect(try log.entries(at: [2, 9]).map { try $0.record()["n"] } == [.int(2), .int(9)])
        #expect(try log.entries(after: 4, limit: 2).map(\.text) == Array(dir.lines("a.jsonl")[4..<6]))
        await log.close()
    }

    /// Appended events come back typed; what followers read from memory is the slim form
    /// (line and mission only) and must still give the same record and mission as the file.
    @Test func typed_events_and_their_slim_copies_read_the_same_as_the_file() async throws {
        let dir = TemporaryDirectory()
        let log = try JSONLLog(path: dir.file("m.jsonl"), keyField: "mission_id")
        let events = [makeCreated("m-a", seq: 0, description: "quote \" and\nnewline"), makeStatus(.queued, "enqueued", seq: 0, id: "m-a")]
        let appended = try await log.append(events.map(LogRecord.init))
        try await log.append(makeRecord(3))
        #expect(appended.map(\.event?.seq) == [1, 2])
        #expect(appended.map(\.event?.body) == events.map(\.body))
        let fromMemory = try await log.entries(after: 0)
        await log.close()
        let reopened = try JSONLLog(path: dir.file("m.jsonl"), mode: .readOnly, keyField: "mission_id")
        let fromFile = try await reopened.entries(after: 0)
        #expect(fromMemory.map(\.event) == [nil, nil, nil])
        #expect(try fromMemory.map { try $0.record() } == fromFile.map { try $0.record() })
        #expect(try appended.map { try $0.record() } == Array(fromFile.map { try $0.record() }.prefix(2)))
        #expect(fromMemory.map(\.missionID) == ["m-a", "m-a", nil])
        #expect(fromFile.map(\.missionID) == ["m-a", "m-a", nil])
        #expect(try MissionEvent(record: fromMemory[0].record(), seq: 1) == appended[0].event)
        await reopened.close()
    }

    @Test func follow_delivers_history_then_live_records_without_gaps() async throws {
        let dir = TemporaryDirectory()
        let log = try JSONLLog(path: dir.file("a.jsonl"))
        for i in 1...5 { try await log.append(makeRecord(i)) }
        let total = 500
        async let received: [Int] = {
            var seqs: [Int] = []
            for try await entry in log.follow(after: 2) {
                seqs.append(entry.seq)
                if entry.seq == total { break }
            }
            return seqs
        }()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for w in 0..<5 {
                group.addTask { for i in 0..<99 { try await log.append(makeRecord(w * 100 + i)) } }
            }
            try await group.waitForAll()
        }
        #expect(try await received == Array(3...total))
        await log.close()
    }

    @Test func follow_ends_when_the_task_is_cancelled() async throws {
        let dir = TemporaryDirectory()
        let log = try JSONLLog(path: dir.file("a.jsonl"))
        let task = Task {
            var count = 0
            for try await _ in log.follow(after: 0) { count += 1 }
            return count
        }
        try await log.append(makeRecord(1))
        task.cancel()
        let count = try await task.value
        #expect(count <= 1)
        await log.close()
    }

    @Test func follow_ends_when_the_log_closes() async throws {
        let dir = TemporaryDirectory()
        let log = try JSONLLog(path: dir.file("a.jsonl"))
        try await log.append(makeRecord(1))
        async let count: Int = { var n = 0; for try await _ in log.follow(after: 0) { n += 1 }; return n }()
        try await log.append(makeRecord(2))
        await log.close()
        #expect(try await count == 2)
    }

    @Test func appends_after_close_fail() async throws {
        let dir = TemporaryDirectory()
        let log = try JSONLLog(path: dir.file("a.jsonl"))
        await log.close()
        await #expect(throws: LogError.closed(path: dir.file("a.jsonl"))) { try await log.append(makeRecord(1)) }
    }

    @Test func read_only_log_picks_up_lines_another_writer_appended() async throws {
        let dir = TemporaryDirectory()
        let writer = try JSONLLog(path: dir.file("a.jsonl"))
        try await writer.append(makeRecord(1))
        let reader = try JSONLLog(path: dir.file("a.jsonl"), mode: .readOnly)
        #expect(reader.lastSeq == 1)
        _ = try await writer.append([makeRecord(2), makeRecord(3)])
        #expect(try reader.refresh() == 2)
        #expect(try await reader.entries(after: 1).map(\.seq) == [2, 3])
        await #expect(throws: LogError.readOnly(path: dir.file("a.jsonl"))) { try await reader.append(makeRecord(9)) }
        await writer.close()
        await reader.close()
    }
}
