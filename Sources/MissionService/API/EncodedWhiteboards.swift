import MissionModel
import MissionStore
/// Whiteboards as encoded JSON, kept while they do not change: a whiteboard is read far more
/// often than it changes, and encoding it (timestamps above all) was most of a GET's cost.
/// An entry is valid for the `lastSeq` it was encoded at. Bounded: past `limit` entries an
/// arbitrary one is dropped.
final class EncodedWhiteboards: Sendable {
    static let defaultLimit = 10_000

    private let entries = Locked<[String: (seq: Int, bytes: [UInt8])]>([:])
    private let limit: Int

    init(limit: Int = defaultLimit) {
        self.limit = limit
    }

    /// The encoding of mission `missionID` at `seq`, from the cache, or else of what `board`
    /// gives (the current whiteboard), which is then cached; nil if `board` gives none.
    /// `live` says why a whiteboard waits (CONTRACT §9). A queued mission's answer is not
    /// cached: why it waits can change with the clock, the queue or other missions, without a
    /// record of its own.
    func json(of missionID: String, at seq: Int, board: () -> Whiteboard?, live: (Whiteboard) -> String?) -> [UInt8]? {
        if let cached = entries.withLock({ $0[missionID] }), cached.seq == seq { return cached.bytes }
        guard let board = board() else { return nil }
        let waitingFor = live(board)
        var bytes = JSONWriter.encode(board.json(waitingFor: waitingFor))
        bytes.append(0x0A)
        if board.status == .queued { return bytes }
        entries.withLock { entries in
            if entries.count >= limit, entries[board.missionID] == nil { entries.remove(at: entries.startIndex) }
            entries[board.missionID] = (board.lastSeq, bytes)
        }
        return bytes
    }
}
