import MissionModel
@testable import MissionStore
import MissionTestSupport
import Testing

@Suite struct SignalLogTests {
    @Test func a_batch_of_signals_is_written_in_order_with_consecutive_seqs() async throws {
        let dir = TemporaryDirectory()
        let signals = SignalLog(log: try JSONLLog(path: dir.file("learning_signals.jsonl"), limits: SignalLog.logLimits))
        let at = try #require(Timestamp(parsing: "2026-11-22T09:00:00.000Z"))
        try signals.emit(.missionProposed, missionID: "m-0", at: at)
        try signals.emit([])
        try signals.emit([SignalLog.Signal(type: .missionExecuted, missionID: "m-1", at: at, fields: ["success": .bool(true)]),
                          SignalLog.Signal(type: .missionRetried, missionID: "m-2", at: at, fields: ["attempt": .int(1)]),
                          SignalLog.Signal(type: .intentClassified, missionID: nil, at: at)])
        await signals.log.close()
        let lines = dir.lines("learning_signals.jsonl")
        #expect(lines == [
            #"{"seq":1,"timestamp":"2026-11-22T09:00:00.000Z","signal_type":"mission_proposed","mission_id":"m-0"}"#,
            #"{"seq":2,"timestamp":"2026-11-22T09:00:00.000Z","signal_type":"mission_executed","mission_id":"m-1","success":true}"#,
            #"{"seq":3,"timestamp":"2026-11-22T09:00:00.000Z","signal_type":"mission_retried","mission_id":"m-2","attempt":1}"#,
            #"{"seq":4,"timestamp":"2026-11-22T09:00:00.000Z","signal_type":"intent_classified"}"#,
        ])
    }
}
