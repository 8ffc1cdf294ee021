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
        /// Line numbers (in the original) of records set aside: their seq was already taken.
        public var setAside: [Int] = []
        public var tornBytes = 0
        /// Where the original was kept; nil when it needed no repair and was left alone.
        public var original: String?

        public var changed: Bool { original != nil }
    }

    /// Repairs `path` in place; `now` stamps the placeholders. Needs the data directory's lock.
    public static func repair(path: String, kind: LogVerifier.Kind, now: Timestamp) throws -> Report {
        var report = Report(path: path)
        let file = try LogFile.open(path, readOnly: true)
        defer { file.close() }
        var output: [UInt8] = []
        var nextSeq = 1
        func placeholder(_ seq: Int, _ reason: String) {
            var record: JSONObject = ["seq": .int(seq), "timestamp": .timestamp(now)]
            record[kind == .missions ? "event_type" : "signal_type"] = .string(lostType)
            record["reason"] = .string(reason)
            output += JSONWriter.encode(.object(record))
            output.append(0x0A)
        }
        let scan = try LogScanner.scan(file) { line, _, bytes in
            let record = try? JSONParser.parseObject(bytes)
            let seq = record.map { $0["seq"]?.intValue ?? (($0["seq"] == nil) ? nextSeq : -1) } ?? nil
            guard let seq, seq >= nextSeq else {
                if let record, record["seq"]?.intValue != nil {
                    report.setAside.append(line)
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
        report.tornBytes = scan.tornTail.count
        guard !report.replaced.isEmpty || !report.filled.isEmpty || !report.setAside.isEmpty || report.tornBytes > 0 else { return report }
        // The original stays, under a name that sorts by time; the repaired file replaces it.
        let original = path + ".before-repair-" + now.description.filter { $0.isNumber }
        guard link(path, original) == 0 else { throw LogError.io(path: original, operation: "link", errno: errno) }
        let temporary = path + ".repair.tmp"
        _ = unlink(temporary)
        try LogFile.appendSynced(output, to: temporary, syncEvery: 1 << 20)
        guard rename(temporary, path) == 0 else { throw LogError.io(path: path, operation: "rename", errno: errno) }
        LogFile.syncDirectory(of: path)
        report.original = original
        return report
    }

    /// The type of a placeholder record: no mission, no state; the fold passes over it.
    public static let lostType = "record_lost"
}
