import Foundation
import Glibc

/// A snapshot of the folded missions log, so that a start does not replay the whole log.
///
/// It names the last record it covers by seq and by the hash of that line; on start the line
/// must still be there and hash the same, else the checkpoint is ignored and the log replayed
/// in full. The log stays the only source of truth: deleting the checkpoint loses nothing.
public enum Checkpoint {
    static let magic: [UInt8] = Array("MSCKPT01".utf8)
    /// Records appended between two background checkpoints.
    public static let defaultInterval = 100_000

    struct Snapshot {
        var trusted: JSONLLog.TrustedPrefix
        var boards: [Whiteboard]
        var undecodable: [(seq: Int, reason: String)]
    }

    /// Opens the missions log of `directory`, starting from its checkpoint when one is valid.
    /// Returns the store and a line saying what happened, for the start-up log.
    static func openStore(_ directory: DataDirectory, mode: JSONLLog.Mode = .readWrite,
                          useCheckpoint: Bool = true) throws -> (MissionStore, String) {
        guard useCheckpoint, FileManager.default.fileExists(atPath: directory.checkpointPath) else {
            return (try MissionStore(path: directory.missionsPath, mode: mode), "no checkpoint; replayed the whole log")
        }
        let snapshot: Snapshot
        do {
            snapshot = try read(directory.checkpointPath)
        } catch {
            return (try MissionStore(path: directory.missionsPath, mode: mode), "checkpoint unreadable (\(error)); replayed the whole log")
        }
        let board = MissionBoard(restoring: snapshot)
        do {
            let store = try MissionStore(path: directory.missionsPath, mode: mode, restored: board, trusted: snapshot.trusted)
            let replayed = store.log.lastSeq - snapshot.trusted.seq
            return (store, "checkpoint at seq \(snapshot.trusted.seq); replayed \(replayed) records after it")
        } catch is JSONLLog.CheckpointMismatch {
            return (try MissionStore(path: directory.missionsPath, mode: mode), "checkpoint does not match the log; replayed the whole log")
        }
    }

    /// Writes the store's current state atomically (temp file, fsync, rename, fsync dir).
    /// Returns the seq covered, or nil when there was nothing to cover.
    @discardableResult
    static func write(_ store: MissionStore, to path: String) throws -> Int? {
        let (boards, undecodable, seq) = store.board.snapshotForCheckpoint()
        guard seq > 0, let hash = try store.log.lineHash(at: seq) else { return nil }
        var w = BinaryWriter()
        w.raw(magic)
        w.int(seq)
        w.fixed64(hash)
        w.unsigned(UInt64(undecodable.count))
        for item in undecodable { w.int(item.seq); w.string(item.reason) }
        w.unsigned(UInt64(boards.count))
        for board in boards { board.write(to: &w) }
        var bytes = w.bytes
        var trailer = BinaryWriter()
        trailer.fixed64(LineHash.of(bytes))
        bytes += trailer.bytes
        let temporary = path + ".tmp"
        _ = unlink(temporary)
        try LogFile.appendSynced(bytes, to: temporary)
        guard rename(temporary, path) == 0 else { throw LogError.io(path: path, operation: "rename", errno: errno) }
        let directory = (path as NSString).deletingLastPathComponent
        let fd = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 {
            _ = fsync(fd)
            close(fd)
        }
        return seq
    }

    static func read(_ path: String) throws -> Snapshot {
        guard let data = FileManager.default.contents(atPath: path), data.count > magic.count + 8 else {
            throw BinaryReader.Malformed()
        }
        let bytes = [UInt8](data)
        let body = Array(bytes[0..<(bytes.count - 8)])
        var trailer = BinaryReader(Array(bytes[(bytes.count - 8)...]))
        guard try trailer.fixed64() == LineHash.of(body) else { throw BinaryReader.Malformed() }
        var r = BinaryReader(body)
        guard try r.raw(magic.count) == magic else { throw BinaryReader.Malformed() }
        let trusted = JSONLLog.TrustedPrefix(seq: try r.int(), lineHash: try r.fixed64())
        var undecodable: [(seq: Int, reason: String)] = []
        for _ in 0..<(try r.unsigned()) { undecodable.append((try r.int(), try r.string())) }
        let count = try r.unsigned()
        var boards: [Whiteboard] = []
        boards.reserveCapacity(Int(min(count, 10_000_000)))
        for _ in 0..<count { boards.append(try Whiteboard(from: &r)) }
        guard r.isAtEnd else { throw BinaryReader.Malformed() }
        return Snapshot(trusted: trusted, boards: boards, undecodable: undecodable)
    }
}

extension MissionBoard {
    convenience init(restoring snapshot: Checkpoint.Snapshot) {
        self.init()
        state.withLock { state in
            state.appliedSeq = snapshot.trusted.seq
            state.undecodable = snapshot.undecodable
            state.boards.reserveCapacity(snapshot.boards.count)
            state.order.reserveCapacity(snapshot.boards.count)
            for board in snapshot.boards {
                state.order.append(board.missionID)
                state.boards[board.missionID] = board
                if let key = board.idempotencyKey { state.idempotency[key] = board.missionID }
            }
        }
    }

    /// A consistent copy of the view: boards in creation order and the seq they reflect.
    func snapshotForCheckpoint() -> ([Whiteboard], [(seq: Int, reason: String)], Int) {
        let (boards, order, undecodable, seq) = state.withLock { ($0.boards, $0.order, $0.undecodable, $0.appliedSeq) }
        return (order.compactMap { boards[$0] }, undecodable, seq)
    }
}
