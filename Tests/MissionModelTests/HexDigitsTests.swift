import Testing
@testable import MissionModel

@Suite struct HexDigitsTests {
    @Test(arguments: [UInt64(0), 0xF, 0xABCDEF, 0x0123_4567_89AB_CDEF, .max])
    func sixty_four_bits_match_the_padded_radix_form(value: UInt64) {
        let expected = String(value, radix: 16)
        #expect(HexDigits.string(value, prefix: "m-") == "m-" + String(repeating: "0", count: 16 - expected.count) + expected)
    }

    @Test func a_hundred_and_twenty_eight_bits_match_the_padded_radix_form() {
        for value: UInt128 in [0, 1, 0xFFFF_FFFF_FFFF_FFFF, UInt128(0x1234) << 64 | 0xABC, .max] {
            let expected = String(value, radix: 16)
            #expect(HexDigits.string(value) == String(repeating: "0", count: 32 - expected.count) + expected)
        }
    }
}
