import MissionModel
/// `mission verify`: reads a log front to back and lists every problem instead of stopping
/// at the first: lines that are not JSON objects, wrong seqs, records that are not valid
/// events, illegal status transitions, and a torn last line.
public struct LogVerifier {
    public enum Kind: Sendable { case missions, signals }

    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        public var line: Int
        public var message: String
        public var description: String { "line \(line): \(message)" }
    }

    public struct Report: Sendable {
        public var path: String
        public var records = 0
        public var missions = 0
        public var problems: [Problem] = []
        public var tornBytes = 0
        /// Files read: the sealed segments and the active one (CONTRACT §10).
        public var segments = 1
        /// The oldest seq kept.
        public var firstSeq = 1
        /// Missions with records kept whose creation retention dropped.
        public var agedOutMissions = 0
        /// Placeholders left by `mission repair` where a damaged record was.
        public var lost = 0
        public var isSound: Bool { problems.isEmpty && tornBytes == 0 }
    }

    public static let maxProblemsListed = 100

    public static func verify(path: String, kind: Kind) throws -> Report {
        var checker = Checker(path: path, kind: kind)
        // Every segment, oldest first, read as one file (CONTRACT §10).
        let segments = try LogSegments.open(path, readOnly: true)
        checker.firstSeq = segments.firstSeq
        var starts: [Int: Int] = [:]
        for segment in segments.sealed { starts[segment.start] = segment.firstSeq }
        starts[segments.activeStart] = nil
        let scan = try LogScanner.scan(segments, firstLine: segments.firstSeq) { line, offset, bytes in
            if let named = starts[offset], named != line {
                checker.problem(line, "segment \(LogSegments.sealedPath(of: path, firstSeq: named)) is named for seq \(named) but starts at seq \(line): a segment before it is missing or was changed")
            }
            checker.check(line: line, bytes)
        }
        var report = checker.report
        report.segments = segments.sealed.count + 1
        report.firstSeq = segments.firstSeq
        report.tornBytes = scan.tornTail.count
        return report
    }

    /// Checks records one by one, in seq order, wherever they are read from (a file's lines,
    /// a cluster store's rows).
    public struct Checker {
        let kind: Kind
        let path: String
        private var boards: [String: Whiteboard] = [:]
        private var problems: [Problem] = []
        private var records = 0
        private var lost = 0
        /// The first seq kept: once retention dropped history, a mission's later records may
        /// come without its creation (it aged out).
        public var firstSeq = 1
        private var agedOut: Set<String> = []

        public init(path: String, kind: Kind) {
            self.path = path
            self.kind = kind
        }

        public var report: Report {
            var report = Report(path: path)
            report.records = records
            report.missions = boards.count
            report.problems = problems
            report.lost = lost
            report.agedOutMissions = agedOut.count
            return report
        }

        public mutating func problem(_ line: Int, _ message: String) {
            if problems.count < maxProblemsListed { problems.append(Problem(line: line, message: message)) }
        }

        /// Checks the record of `line` (its seq), stored as `bytes`.
        public mutating func check(line: Int, _ bytes: UnsafeBufferPointer<UInt8>) {
            records += 1
            let record: JSONObject
            do {
                record = try JSONLLog.parseLine(bytes, lineNumber: line, path: path)
            } catch {
                if case .corruptLine(_, _, let reason) = error { problem(line, reason) } else { problem(line, error.description) }
                return
            }
            if record[kind == .missions ? "event_type" : "signal_type"] == .string(LogRepair.lostType) {
                lost += 1
                return
            }
            switch kind {
            case .signals:
                if record["signal_type"]?.stringValue == nil { problem(line, "no signal_type") }
                if record["timestamp"]?.stringValue.flatMap(Timestamp.init(parsing:)) == nil { problem(line, "no valid timestamp") }
            case .missions:
                // The queue's and the schedules' records (CONTRACT §9) concern no mission.
                if record["mission_id"] == nil, let type = record["event_type"]?.stringValue {
                    if QueueRecord.paused(type) != nil {
                        if record["timestamp"]?.stringValue.flatMap(Timestamp.init(parsing:)) == nil { problem(line, "no valid timestamp") }
                        return
                    }
                    do {
                        if try Schedule.change(type, record) != nil { return }
                    } catch {
                        problem(line, "not a valid \(type) record: \(error)")
                        return
                    }
                }
                let event: MissionEvent
                do {
                    event = try MissionEvent(record: record, seq: line)
                } catch {
                    problem(line, "not a valid mission event: \(error)")
                    return
                }
                var board = boards[event.missionID] ?? Whiteboard(missionID: event.missionID)
                if firstSeq > 1, !board.isCreated, !isCreation(event) {
                    // Created before the first kept seq: its later records are all there is.
                    agedOut.insert(event.missionID)
                    return
                }
                if case .created = event.body, board.isCreated {
                    problem(line, "mission \(event.missionID) is created a second time")
                } else if !board.isCreated, !isCreation(event) {
                    problem(line, "\(event.eventType) for mission \(event.missionID) before its mission_created")
                }
                if case .status(let update) = event.body, !board.canMove(to: update.status, reason: update.reason) {
                    problem(line, "illegal status change of \(event.missionID): \(board.hasStatusUpdate ? board.status.rawValue : "created") → \(update.status.rawValue)")
                }
                WhiteboardReducer.reduce(into: &board, event)
                boards[event.missionID] = board
            }
        }
    }

    private static func isCreation(_ event: MissionEvent) -> Bool {
        if case .created = event.body { return true }
        return false
    }
}
