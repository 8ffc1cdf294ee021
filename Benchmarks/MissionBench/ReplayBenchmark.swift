import MissionModel
import MissionStore
import Foundation
import MissionService

/// Full replay: our fold (parse, typed events, whiteboards with timelines) against Foundation's
/// `JSONDecoder` decoding the same lines into a Codable record and keeping only status.
enum ReplayBenchmark {
    struct Reference: Decodable {
        struct Result: Decodable { let success: Bool; let final_answer: String?; let tools_used: [String]? }
        struct Objective: Decodable { let type: String; let description: String? }
        let seq: Int?
        let timestamp: String
        let event_type: String
        let mission_id: String
        let status: String?
        let reason: String?
        let attempt: Int?
        let objective: Objective?
        let execution_result: Result?
        let phase: String?
        let message: String?
    }

    static func run(log path: String, records: Int) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let decoder = JSONDecoder()
        var statuses: [String: String] = [:]
        let referenceStart = ContinuousClock.now
        var start = data.startIndex
        while let newline = data[start...].firstIndex(of: 0x0A) {
            let record = try decoder.decode(Reference.self, from: data[start..<newline])
            if let status = record.status { statuses[record.mission_id] = status } else if statuses[record.mission_id] == nil { statuses[record.mission_id] = "queued" }
            start = newline + 1
        }
        let referenceSeconds = Measure.seconds(ContinuousClock.now - referenceStart)
        let referenceRate = Double(records) / referenceSeconds
        Measure.report("replay-reference", ["records": "\(records)", "seconds": Measure.format(referenceSeconds, 2),
                                            "per_second": Measure.format(referenceRate), "note": "JSONDecoder + status-only fold"])
        let ourStart = ContinuousClock.now
        let store = try MissionStore(path: path, mode: .readOnly)
        let ourSeconds = Measure.seconds(ContinuousClock.now - ourStart)
        precondition(store.board.count == statuses.count, "both folds must see every mission")
        let rate = Double(records) / ourSeconds
        Measure.report("replay", ["records": "\(records)", "seconds": Measure.format(ourSeconds, 2), "per_second": Measure.format(rate),
                                  "vs_reference": Measure.format(rate / referenceRate, 2), "note": "full whiteboards with timelines"])
    }

}
