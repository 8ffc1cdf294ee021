import Testing
@testable import MissionService

/// Inputs the fuzzer (scripts/fuzz) found, kept as regression tests.
@Suite struct HTTPFuzzFindingTests {
    /// Chunk data followed by bytes that are not CRLF: the error used to depend on whether the
    /// line end had arrived yet.
    @Test func a_bad_end_of_chunk_data_gets_the_same_answer_at_every_split() {
        let bytes: [UInt8] = [80, 79, 83, 84, 32, 47, 32, 72, 84, 84, 80, 47, 49, 46, 49, 13, 10, 72, 111, 115, 116, 58, 38, 120, 13, 10, 84, 114, 97, 110, 115, 102, 101, 114, 45, 69, 110, 99, 111, 100, 105, 110, 103, 58, 32, 99, 104, 117, 110, 107, 101, 100, 13, 10, 13, 10, 53, 32, 47, 163, 47, 32, 72, 80, 58, 104, 101, 108, 108, 111, 13, 10, 49, 1, 0, 13, 254, 223, 183, 242, 10, 32, 72, 80, 58, 32]
        let whole = FuzzChecks.httpSteps([bytes])
        for split in 0...bytes.count {
            #expect(FuzzChecks.httpSteps([Array(bytes[..<split]), Array(bytes[split...])]) == whole, "split at \(split)")
        }
        #expect(HTTPRequestParser.steps(of: [bytes]).last == .error(.badRequest("chunk data not followed by CRLF")))
    }
}
