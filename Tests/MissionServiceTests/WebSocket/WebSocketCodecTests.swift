import Foundation
import Testing
@testable import MissionService

/// A client frame as a browser sends it: masked with `key`.
func clientFrame(_ opcode: WebSocketOpcode, _ payload: [UInt8], fin: Bool = true, key: (UInt8, UInt8, UInt8, UInt8) = (1, 2, 3, 4)) -> [UInt8] {
    WebSocketFrameEncoder.encode(opcode, payload, fin: fin, mask: key)
}

/// Decodes `bytes` fed in `chunks`, then returns every step up to the first needMoreData or error.
func decode(_ chunks: [[UInt8]], expectMasked: Bool = true, maxPayload: Int = 1 << 20) -> [WebSocketFrameDecoder.Step] {
    var decoder = WebSocketFrameDecoder(expectMasked: expectMasked, maxPayload: maxPayload)
    var steps: [WebSocketFrameDecoder.Step] = []
    for chunk in chunks {
        decoder.append(chunk)
        while true {
            let step = decoder.next()
            if step == .needMoreData { break }
            steps.append(step)
            if case .error = step { return steps }
        }
    }
    return steps
}

@Suite struct WebSocketCodecTests {
    @Test(arguments: [
        ("", "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
        ("abc", "a9993e364706816aba3e25717850c26c9cd0d89d"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "84983e441c3bd26ebaae4aa1f95129e5e54670f1"),
        (String(repeating: "a", count: 1000), "291e9a6c66994949b57ba5e650361e98fc36b1ba"),
    ])
    func sha1_matches_known_vectors(_ input: String, _ hex: String) {
        #expect(SHA1.hash(Array(input.utf8)).map { String(format: "%02x", $0) }.joined() == hex)
    }

    @Test func the_accept_key_of_the_rfc_sample_is_right() {
        #expect(WebSocketHandshake.acceptKey(for: "dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
    }

    @Test(arguments: [0, 1, 125, 126, 65535, 65536, 200_000])
    func frames_round_trip_at_every_length_class_and_byte_split(_ length: Int) {
        let payload = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let bytes = clientFrame(.binary, payload)
        let whole = decode([bytes])
        #expect(whole == [.frame(WebSocketFrame(fin: true, opcode: .binary, payload: payload))])
        // Split at every byte for small frames; at a spread of points for large ones.
        let splits = length < 300 ? Array(0...bytes.count) : [0, 1, 2, 3, 5, 9, 13, 14, bytes.count / 2, bytes.count - 1]
        for split in splits {
            #expect(decode([Array(bytes[..<split]), Array(bytes[split...])]) == whole, "split at \(split)")
        }
    }

    @Test func frames_fed_one_byte_at_a_time_decode_in_order() {
        let bytes = clientFrame(.text, Array("hel".utf8), fin: false) + clientFrame(.ping, [9]) + clientFrame(.continuation, Array("lo".utf8))
        let steps = decode(bytes.map { [$0] })
        #expect(steps == [.frame(WebSocketFrame(fin: false, opcode: .text, payload: Array("hel".utf8))),
                          .frame(WebSocketFrame(fin: true, opcode: .ping, payload: [9])),
                          .frame(WebSocketFrame(fin: true, opcode: .continuation, payload: Array("lo".utf8)))])
    }

    @Test(arguments: [
        ("unmasked client frame", [0x81, 0x02, 0x68, 0x69] as [UInt8], WebSocketCloseCode.protocolError),
        ("reserved bit", [0xC1, 0x80, 0, 0, 0, 0], WebSocketCloseCode.protocolError),
        ("reserved opcode 3", [0x83, 0x80, 0, 0, 0, 0], WebSocketCloseCode.protocolError),
        ("reserved control opcode 0xB", [0x8B, 0x80, 0, 0, 0, 0], WebSocketCloseCode.protocolError),
        ("fragmented ping", [0x09, 0x80, 0, 0, 0, 0], WebSocketCloseCode.protocolError),
        ("ping over 125 bytes", [0x89, 0xFE, 0x00, 0x7E], WebSocketCloseCode.protocolError),
        ("64-bit length with the top bit", [0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0], WebSocketCloseCode.protocolError),
        ("declared length over the limit", [0x82, 0xFF, 0, 0, 0, 1, 0, 0, 0, 0], WebSocketCloseCode.messageTooBig),
    ])
    func protocol_violations_fail_with_their_close_code_before_buffering(_ what: String, _ bytes: [UInt8], _ code: UInt16) {
        let steps = decode([bytes])
        guard case .error(let got, _)? = steps.last else { Issue.record("\(what): no error"); return }
        #expect(got == code, "\(what)")
    }

    @Test func a_client_decoder_refuses_masked_server_frames() {
        let steps = decode([clientFrame(.text, [0x61])], expectMasked: false)
        #expect(steps.count == 1)
        if case .error(let code, _)? = steps.first { #expect(code == WebSocketCloseCode.protocolError) } else { Issue.record("accepted") }
    }

    @Test func a_close_reason_is_cut_to_fit_without_splitting_a_character() {
        let payload = WebSocketFrameEncoder.closePayload(code: 1000, reason: String(repeating: "é", count: 100))
        #expect(payload.count <= 125)
        #expect(String(validating: payload[2...], as: UTF8.self) != nil)
    }
}

@Suite struct WebSocketMessageAssemblerTests {
    func run(_ frames: [WebSocketFrame], maxMessage: Int = 1 << 20) -> [WebSocketMessageAssembler.Event] {
        var assembler = WebSocketMessageAssembler(maxMessage: maxMessage)
        return frames.compactMap { assembler.receive($0) }
    }

    @Test func fragments_reassemble_with_control_frames_between_them() {
        let events = run([WebSocketFrame(fin: false, opcode: .text, payload: Array("{\"op\":".utf8)),
                          WebSocketFrame(fin: true, opcode: .ping, payload: [1]),
                          WebSocketFrame(fin: false, opcode: .continuation, payload: Array("\"ping\"".utf8)),
                          WebSocketFrame(fin: true, opcode: .continuation, payload: Array("}".utf8))])
        #expect(events == [.ping([1]), .text(#"{"op":"ping"}"#)])
    }

    @Test func utf8_is_checked_on_the_whole_message_not_per_fragment() {
        let euro: [UInt8] = [0xE2, 0x82, 0xAC]
        let split = run([WebSocketFrame(fin: false, opcode: .text, payload: Array(euro[..<1])),
                         WebSocketFrame(fin: true, opcode: .continuation, payload: Array(euro[1...]))])
        #expect(split == [.text("€")])
        let bad = run([WebSocketFrame(fin: true, opcode: .text, payload: [0xC3, 0x28])])
        #expect(bad == [.fail(code: WebSocketCloseCode.invalidPayload, reason: "a text message that is not valid UTF-8")])
    }

    @Test(arguments: [
        ([WebSocketFrame(fin: true, opcode: .continuation, payload: [])], WebSocketCloseCode.protocolError),
        ([WebSocketFrame(fin: false, opcode: .text, payload: [0x61]), WebSocketFrame(fin: true, opcode: .text, payload: [0x62])], WebSocketCloseCode.protocolError),
        ([WebSocketFrame(fin: true, opcode: .binary, payload: [1])], WebSocketCloseCode.unsupportedData),
        ([WebSocketFrame(fin: false, opcode: .text, payload: [UInt8](repeating: 0x61, count: 8)),
          WebSocketFrame(fin: true, opcode: .continuation, payload: [UInt8](repeating: 0x61, count: 8))], WebSocketCloseCode.messageTooBig),
        ([WebSocketFrame(fin: true, opcode: .close, payload: [0x03])], WebSocketCloseCode.protocolError),
        ([WebSocketFrame(fin: true, opcode: .close, payload: [0x03, 0xED])], WebSocketCloseCode.protocolError),   // 1005
        ([WebSocketFrame(fin: true, opcode: .close, payload: [0x03, 0xEE])], WebSocketCloseCode.protocolError),   // 1006
        ([WebSocketFrame(fin: true, opcode: .close, payload: [0x03, 0xE8, 0xFF])], WebSocketCloseCode.invalidPayload),
    ])
    func bad_sequences_fail_with_their_code(_ frames: [WebSocketFrame], _ code: UInt16) {
        guard case .fail(let got, _)? = run(frames, maxMessage: 10).last else { Issue.record("no failure"); return }
        #expect(got == code)
    }

    @Test(arguments: [(1000 as UInt16, true), (1001, true), (1003, true), (1004, false), (1005, false), (1006, false), (1007, true),
                      (1011, true), (1015, false), (1016, false), (2999, false), (3000, true), (4999, true), (5000, false), (999, false)])
    func close_codes_are_validated(_ code: UInt16, _ valid: Bool) {
        #expect(WebSocketCloseCode.isValidReceived(code) == valid)
        let events = run([WebSocketFrame(fin: true, opcode: .close, payload: [UInt8(code >> 8), UInt8(code & 0xFF)])])
        #expect(events == [valid ? .close(code: code, reason: "") : .fail(code: WebSocketCloseCode.protocolError, reason: "close code \(code) may not be sent")])
    }
}
