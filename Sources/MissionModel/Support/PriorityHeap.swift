/// An element of a `PriorityHeap`: the smallest `rank` comes out first.
package protocol HeapRanked {
    associatedtype Rank: Comparable
    var rank: Rank { get }
}

/// A binary min-heap by `rank`. Elements are compared by their ranks in place, so that a sift
/// copies (and retains) nothing but the elements it moves. Inlinable: the queue's heaps sit on
/// every mission's path, and unspecialized across modules each sift went through value
/// witnesses and generic metadata lookups.
package struct PriorityHeap<Element: HeapRanked> {
    @usableFromInline var elements: [Element] = []

    @inlinable package init() {}

    @inlinable package var isEmpty: Bool { elements.isEmpty }
    @inlinable package var count: Int { elements.count }
    @inlinable package func peek() -> Element? { elements.first }

    @inlinable package mutating func insert(_ element: Element) {
        elements.append(element)
        var child = elements.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard elements[child].rank < elements[parent].rank else { break }
            elements.swapAt(child, parent)
            child = parent
        }
    }

    @inlinable package mutating func popMin() -> Element? {
        guard !elements.isEmpty else { return nil }
        elements.swapAt(0, elements.count - 1)
        let min = elements.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < elements.count, elements[left].rank < elements[smallest].rank { smallest = left }
            if right < elements.count, elements[right].rank < elements[smallest].rank { smallest = right }
            guard smallest != parent else { return min }
            elements.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
