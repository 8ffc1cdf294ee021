import MissionModel
import Glibc

/// The one way a log is ever rewritten (CONTRACT §6): offline, into a new file that replaces
/// the old by rename, keeping every good record byte for byte at its seq.
///
/// Because a record's seq is its line number, a damaged line cannot simply go: every later
/// record would move. Each damaged line (not JSON, or not an object) becomes a `record_lost`
/// placeholder with the same seq; each seq missing before a record (a line someone removed
/// by hand) gets one too; a record whose seq was already taken, and a torn last line, are set
/// aside. The original file is kept beside the log, untouched, so nothing is lost.
public enum LogRepair {
    public struct Report: Sendable, Equatable {
        public var path: String
        public var records = 0
        /// Seqs that now hold a `record_lost` placeholder: the line there was damaged.
        public var replaced: [Int] = []
        /// Seqs that now hold a placeholder because no line held them.
        public var filled: [Int] = []
        /// Lines of the original (numbered as the log's lines, across its segments) of records
        /// set aside: their seq was already taken, or lies outside their segment.
        public var setAside: [Int] = []
        public var tornBytes = 0
        /// Where each file repaired was kept as it was; empty when nothing needed repair.
        public var originals: [String] = []

        public var changed: Bool { !originals.isEmpty }
    }

    /// Repairs the log at `path` in place, each of its segments on its own (CONTRACT §10: a
    /// sealed segment keeps its name, so it must keep its seqs); `now` stamps the placeholders.
    /// Needs the data directory's lock.
    public static func repair(path: String, kind: LogVerifier.Kind, now: Timestamp) throws -> Report {
        var report = Report(path: path)
        let sealed = try LogSegments.sealedFiles(of: path)
        var files = sealed.enumerated().map { index, segment in
            (path: segment.path, firstSeq: segment.firstSeq, endSeq: index + 1 < sealed.count ? sealed[index + 1].firstSeq : nil as Int?)
        }
        // The active file starts after the last sealed one, wherever that ends.
        var activeFirst = sealed.first?.firstSeq ?? 1
        if let last = sealed.last {
            let file = try LogFile.open(last.path, readOnly: true)
            defer { file.close() }
            activeFirst = last.firstSeq + (try LogScanner.scan(file) { _, _, _ in }).lineCount
        }
        files.append((path: path, firstSeq: activeFirst, endSeq: nil))
        if let last = sealed.last { files[files.count - 2].endSeq = activeFirst > last.firstSeq ? activeFirst : nil }
        for file in files where access(file.path, F_OK) == 0 {
            try repairFile(file.path, firstSeq: file.firstSeq, endSeq: file.endSeq, kind: kind, now: now, into: &report)
        }
        return report
    }

    /// One file whose first line holds `firstSeq`; a sealed one holds the seqs before
    /// `endSeq` (the next one's first), no more and no fewer.
    private static func repairFile(_ path: String, firstSeq: Int, endSeq: Int?, kind: LogVerifier.Kind, now: Timestamp,
                                   into report: inout Report) throws {
        let file = try LogFile.open(path, readOnly: true)
        defer { file.close() }
        var output: [UInt8] = []
        var nextSeq = firstSeq
        var changed = false
        func placeholder(_ seq: Int, _ reason: String) {
            var record: JSONObject = ["seq": .int(seq), "timestamp": .timestamp(now)]
            record[kind == .missions ? "event_type" : "signal_type"] = .string(lostType)
            record["reason"] = .string(reason)
            output += JSONWriter.encode(.object(record))
            output.append(0x0A)
            changed = true
        }
        let scan = try LogScanner.scan(file, firstLine: firstSeq) { line, _, bytes in
            let record = try? JSONParser.parseObject(bytes)
            let seq = record.map { $0["seq"]?.intValue ?? (($0["seq"] == nil) ? nextSeq : -1) } ?? nil
            guard let seq, seq >= nextSeq, endSeq.map({ seq < $0 }) ?? true else {
                if let record, record["seq"]?.intValue != nil {
                    report.setAside.append(line)
                    changed = true
                } else {
                    // Damaged where it stands: the seq it held stays, as a placeholder.
                    placeholder(nextSeq, "line \(line) of the original was damaged (\(record == nil ? "not a JSON object" : "a seq that is not a number"))")
                    report.replaced.append(nextSeq)
                    nextSeq += 1
                }
                return
            }
            while nextSeq < seq {
                placeholder(nextSeq, "no line held this seq in the original (before its line \(line))")
                report.filled.append(nextSeq)
                nextSeq += 1
            }
            output += UnsafeBufferPointer(rebasing: bytes[...])
            output.append(0x0A)
            report.records += 1
            nextSeq += 1
        }
        // A sealed segment that lost its last lines keeps their seqs, as placeholders.
        while let endSeq, nextSeq < endSeq {
            placeholder(nextSeq, "no line held this seq in the original (at the end of its segment)")
            report.filled.append(nextSeq)
            nextSeq += 1
        }
        report.tornBytes += scan.tornTail.count
        guard changed || !scan.tornTail.isEmpty else { return }
        // The original stays, under a name that sorts by time; the repaired file replaces it.
        let original = path + ".before-repair-" + now.description.filter { $0.isNumber }
        guard link(path, original) == 0 else { throw LogError.io(path: original, operation: "link", errno: errno) }
        let temporary = path + ".repair.tmp"
        _ = unlink(temporary)
        try LogFile.appendSynced(output, to: temporary, syncEvery: 1 << 20)
        guard rename(temporary, path) == 0 else { throw LogError.io(path: path, operation: "rename", errno: errno) }
        LogFile.syncDirectory(of: path)
        report.originals.append(original)
    }

    /// The type of a placeholder record: no mission, no state; the fold passes over it.
    public static let lostType = "record_lost"
}
