import MissionModel
import MissionStore
/// Entry points for the fuzz targets (`Fuzz/`, built with libFuzzer): each runs one parser of
/// untrusted input on arbitrary bytes and checks properties that must hold for *every* input,
/// trapping when one does not, so that libFuzzer reports it with the input that broke it.
public enum FuzzChecks {
    /// The HTTP request parser: the same steps whether the input arrives whole or in two parts.
    public static func httpRequestParser(_ bytes: [UInt8]) {
        let split = bytes.isEmpty ? 0 : Int(bytes[0]) % (bytes.count + 1)
        let whole = httpSteps([bytes])
        let parts = httpSteps([Array(bytes[..<split]), Array(bytes[split...])])
        precondition(whole == parts, "the HTTP parser depends on how the input is split")
    }

    static func httpSteps(_ chunks: [[UInt8]]) -> [HTTPRequestParser.Step] {
        var limits = HTTPRequestParser.Limits()
        limits.maxHeaderBytes = 4096
        limits.maxBodyBytes = 4096
        return HTTPRequestParser.mergingBodies(HTTPRequestParser.steps(of: chunks, limits: limits))
    }

    /// The WebSocket frame decoder and message assembler: the same messages whether the input
    /// arrives whole or in two parts; every text message is valid UTF-8.
    public static func webSocketFrames(_ bytes: [UInt8]) {
        let split = bytes.isEmpty ? 0 : Int(bytes[0]) % (bytes.count + 1)
        let whole = webSocketEvents([bytes])
        precondition(whole == webSocketEvents([Array(bytes[..<split]), Array(bytes[split...])]), "the frame decoder depends on the split")
        for event in whole {
            if case .text(let text) = event { precondition(String(validating: Array(text.utf8), as: UTF8.self) != nil) }
        }
    }

    static func webSocketEvents(_ chunks: [[UInt8]]) -> [WebSocketMessageAssembler.Event] {
        var decoder = WebSocketFrameDecoder(expectMasked: true, maxPayload: 4096)
        var assembler = WebSocketMessageAssembler(maxMessage: 4096)
        var events: [WebSocketMessageAssembler.Event] = []
        for chunk in chunks {
            decoder.append(chunk)
            while true {
                switch decoder.next() {
                case .needMoreData: break
                case .error(let code, let reason):
                    events.append(.fail(code: code, reason: reason))
                    return events
                case .frame(let frame):
                    if let event = assembler.receive(frame) {
                        events.append(event)
                        if case .fail = event { return events }
                    }
                    continue
                }
                break
            }
        }
        return events
    }

    /// A JSONL record line: the reader accepts it or refuses it, never crashes; an accepted
    /// record written back and read again is the same record.
    public static func jsonlRecord(_ bytes: [UInt8]) {
        let record: JSONObject
        do {
            record = try bytes.withUnsafeBufferPointer { try JSONLLog.parseLine($0, lineNumber: 1, path: "fuzz") }
        } catch {
            return
        }
        let written = JSONWriter.encode(record)
        let again = try? written.withUnsafeBufferPointer { try JSONLLog.parseLine($0, lineNumber: 1, path: "fuzz") }
        precondition(again == record, "a record changed when written and read again")
        _ = try? MissionEvent(record: record, seq: 1)
    }

    /// The intent classifier: total and deterministic on any text.
    public static func intentClassifier(_ bytes: [UInt8]) {
        let message = String(decoding: bytes, as: UTF8.self)
        let first = IntentClassifier.classify(message)
        precondition(first == IntentClassifier.classify(message), "the classifier is not deterministic")
        precondition((0...1).contains(first.confidence) && !first.reason.isEmpty)
    }
}
