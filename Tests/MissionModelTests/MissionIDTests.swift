import Testing
@testable import MissionModel

@Suite struct MissionIDTests {
    @Test func ids_from_the_buffered_kernel_source_have_the_shape_and_do_not_repeat_across_refills() async {
        // Four tasks at once, through several 4 KiB refills of the shared buffer.
        let count = RandomPool.wordsPerFill * 3
        let ids = await withTaskGroup(of: [String].self) { group in
            for _ in 0..<4 { group.addTask { (0..<count).map { _ in MissionID.generate() } } }
            return await group.reduce(into: []) { $0 += $1 }
        }
        #expect(ids.count == 4 * count)
        #expect(Set(ids).count == ids.count)
        #expect(ids.allSatisfy { $0.utf8.count == 18 && $0.hasPrefix("m-") && MissionID.isPlausible($0) })
        // Every hex digit turns up in every position: the words are not zeros or a counter.
        for position in 2..<18 {
            let digits = Set(ids.map { $0.utf8[$0.utf8.index($0.utf8.startIndex, offsetBy: position)] })
            #expect(digits.count == 16)
        }
    }
}
