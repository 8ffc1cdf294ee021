/// The last `capacity` committed entries, so that live followers read fresh records from
/// memory instead of re-reading and re-parsing them from the file.
struct RecentEntries {
    private var storage: [LogEntry] = []
    private var head = 0
    let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
        storage.reserveCapacity(capacity)
    }

    /// Seq of the oldest entry held, or nil when empty.
    var firstSeq: Int? {
        guard !storage.isEmpty else { return nil }
        return storage[storage.count < capacity ? 0 : head].seq
    }

    mutating func append(_ entry: LogEntry) {
        if storage.count < capacity {
            storage.append(entry)
        } else {
            storage[head] = entry
            head = (head + 1) % capacity
        }
    }

    /// Entries with seq in `range`, which must lie within what is held.
    func entries(_ range: ClosedRange<Int>) -> [LogEntry] {
        guard let first = firstSeq else { return [] }
        let start = storage.count < capacity ? 0 : head
        return range.map { storage[(start + $0 - first) % storage.count] }
    }
}
