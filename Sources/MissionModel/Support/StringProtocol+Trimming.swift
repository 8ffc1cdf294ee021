extension StringProtocol {
    /// Without the characters matching `drop` at either end. In Swift, not Foundation's
    /// `trimmingCharacters`, which bridges through NSString and showed in every request's
    /// profile and in the classifier's.
    package func trimmed(while drop: (Character) -> Bool) -> SubSequence {
        guard let first = firstIndex(where: { !drop($0) }), let last = lastIndex(where: { !drop($0) }) else { return self[endIndex...] }
        return self[first...last]
    }
}
