import MissionService
import MissionModel
import MissionStore
import Foundation

/// One readable line per log record, for `tail` and `run`'s progress.
enum RecordFormatter {
    static func line(_ entry: LogEntry) -> String {
        let prefixOnly = "#\(entry.seq)"
        guard let record = try? entry.record() else { return "\(prefixOnly) (unreadable) \(entry.text)" }
        let time = record["timestamp"]?.stringValue ?? "-"
        let prefix = "#\(entry.seq) \(time)"
        if record["signal_type"] != nil {
            var rest = record
            for key in ["seq", "timestamp", "signal_type", "mission_id"] { rest[key] = nil }
            let fields = rest.members.map { "\($0.key)=\(compact($0.value))" }.joined(separator: " ")
            return "\(prefix) \(record["signal_type"]!.stringValue ?? "?") \(record["mission_id"]?.stringValue ?? "-") \(fields)"
        }
        if record["mission_id"] == nil, let type = record["event_type"]?.stringValue, let paused = QueueRecord.paused(type) {
            return "\(prefix) queue \(paused ? "paused: no mission starts until it is resumed" : "resumed")"
        }
        if record["mission_id"] == nil, let type = record["event_type"]?.stringValue, let change = try? Schedule.change(type, record) {
            switch change {
            case .created(let schedule): return "\(prefix) schedule \(schedule.scheduleID) created: \(schedule.cron.text)\(schedule.name.map { " (\($0))" } ?? "")"
            case .deleted(let id): return "\(prefix) schedule \(id) deleted"
            }
        }
        guard let event = try? MissionEvent(record: record, seq: entry.seq) else { return "\(prefix) \(entry.text)" }
        let id = event.missionID
        switch event.body {
        case .created(let created):
            var text = "\(prefix) \(id) created \(created.objective.type) \(compact(.string(created.objective.description))) priority=\(created.priority)"
            if let runAt = created.runAt { text += " run_at=\(runAt)" }
            if created.requiresApproval { text += " requires_approval" }
            if let parent = created.parentID { text += " parent=\(parent)" }
            return text
        case .status(let update):
            var text = "\(prefix) \(id) \(update.status.rawValue) (\(update.reason)"
            if let attempt = update.attempt, attempt > 0 { text += ", attempt \(attempt)" }
            text += ")"
            if let result = update.executionResult {
                text += result.success ? " answer: \(result.finalAnswer.oneLine())" : " error: \((result.error ?? "").oneLine())"
            } else if let error = update.error {
                text += " error: \(error.oneLine())"
            }
            return text
        case .progress(let progress):
            return "\(prefix) \(id) progress \(progress.phase): \(progress.message.oneLine())"
        case .artifact(let artifact):
            return "\(prefix) \(id) artifact \(artifact.kind) \(artifact.uri)"
        case .callback(let attempt):
            return "\(prefix) \(id) \(attempt.summary) \(attempt.url)"
        case .other(let type, let message):
            return "\(prefix) \(id) \(type) \((message ?? "").oneLine())"
        }
    }

    static func compact(_ value: JSONValue) -> String {
        JSONWriter.string(value).oneLine()
    }

    /// `text` padded to `width` for a column; a longer one is kept whole (and pushes the rest
    /// of the line) rather than cut where no one can see it was.
    static func column(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }
}
