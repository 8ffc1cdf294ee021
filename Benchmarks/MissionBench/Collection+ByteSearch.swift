extension Collection where Element == UInt8, Index == Int {
    /// Where `needle` first starts, by a plain loop (the stdlib's generic search is slow).
    func firstIndex(ofSequence needle: [UInt8]) -> Int? {
        guard !needle.isEmpty, count >= needle.count else { return nil }
        var i = startIndex
        outer: while i + needle.count <= endIndex {
            for j in 0..<needle.count where self[i + j] != needle[j] {
                i += 1
                continue outer
            }
            return i
        }
        return nil
    }
}
