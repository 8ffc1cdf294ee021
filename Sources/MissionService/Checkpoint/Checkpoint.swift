import Foundation
import Glibc

/// A snapshot of the folded missions log, so that a start does not replay the whole log.
///
/// It names the last record it covers by seq, by the byte length of the log through it and by
/// the hash of that line, and stores where every covered line starts. On start the covered last
/// line must still be there and hash the same, else the checkpoint is ignored and the log
/// replayed in full. Lines it covers are not read at start (that is the point): `mission
/// verify` still reads every line. The log stays the only source of truth: deleting the
/// checkpoint loses nothing.
public enum Checkpoint {
    static let magic: [UInt8] = Array("MSCKPT02".utf8)
    /// Records appended between two background checkpoints.
    public static let defaultInterval = 100_000
    /// A checkpoint is synced in pieces this large, so that the logs' syncs get through between.
    static let syncChunkBytes = 1 << 20

    struct Snapshot {
        var trusted: JSONLLog.TrustedPrefix
        var board: MissionBoard
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
        do {
            let store = try MissionStore(path: directory.missionsPath, mode: mode, restored: snapshot.board, trusted: snapshot.trusted)
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
        let (slots, undecodable, idempotency, seq) = store.board.sealForCheckpoint()
        guard seq > 0, let trusted = try store.log.trustedPrefix(through: seq) else { return nil }
        var w = BinaryWriter()
        w.raw(magic)
        w.int(trusted.seq)
        w.int(trusted.length)
        w.fixed64(trusted.lineHash)
        // Where each covered line starts, as deltas (line lengths): about two bytes a record.
        var previous = 0
        for offset in trusted.offsets {
            w.unsigned(UInt64(offset - previous))
            previous = offset
        }
        w.unsigned(UInt64(undecodable.count))
        for item in undecodable { w.int(item.seq); w.string(item.reason) }
        w.unsigned(UInt64(slots.count))
        for slot in slots { slot.board.write(to: &w) }
        w.unsigned(UInt64(idempotency.count))
        for (key, entry) in idempotency.sorted(by: { $0.key < $1.key }) {
            w.string(key)
            w.string(entry.missionID)
            w.optional(entry.requestFingerprint) { $0.string($1) }
            w.optional(entry.intent) { w, intent in
                w.internedString(intent.name)
                w.double(intent.confidence)
                w.string(intent.reason)
            }
        }
        w.fixed64(Checksum.of(w.bytes))
        let bytes = w.bytes
        let temporary = path + ".tmp"
        _ = unlink(temporary)
        try LogFile.appendSynced(bytes, to: temporary, syncEvery: syncChunkBytes)
        guard rename(temporary, path) == 0 else { throw LogError.io(path: path, operation: "rename", errno: errno) }
        let directory = (path as NSString).deletingLastPathComponent
        let fd = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 {
            _ = fsync(fd)
            close(fd)
        }
        return seq
    }

    /// Loads a checkpoint into a new board, one whiteboard at a time. Throws when the file is
    /// damaged in any way (its trailer hash covers every byte).
    static func read(_ path: String) throws -> Snapshot {
        let file = try LogFile.open(path, readOnly: true)
        defer { file.close() }
        let size = try file.size()
        guard size > magic.count + 8 else { throw BinaryReader.Malformed() }
        let expected = try file.read(at: size - 8, count: 8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << UInt64($1.offset * 8) }
        var r = BinaryReader(file: file, end: size - 8)
        guard try r.raw(magic.count) == magic else { throw BinaryReader.Malformed() }
        var trusted = JSONLLog.TrustedPrefix(seq: try r.int(), length: try r.int(), lineHash: try r.fixed64())
        guard trusted.seq >= 0, trusted.seq <= trusted.length else { throw BinaryReader.Malformed() }
        trusted.offsets.reserveCapacity(trusted.seq)
        var offset = 0
        for _ in 0..<trusted.seq {
            offset += Int(try r.unsigned())
            guard offset < trusted.length else { throw BinaryReader.Malformed() }
            trusted.offsets.append(offset)
        }
        var undecodable: [(seq: Int, reason: String)] = []
        for _ in 0..<(try r.unsigned()) { undecodable.append((try r.int(), try r.string())) }
        let count = try r.unsigned()
        let board = MissionBoard()
        try board.state.withLock { state in
            state.appliedSeq = trusted.seq
            state.undecodable = undecodable
            state.boards.reserveCapacity(Int(min(count, 10_000_000)))
            state.order.reserveCapacity(Int(min(count, 10_000_000)))
            for _ in 0..<count {
                let slot = MissionBoard.Slot(try Whiteboard(from: &r), position: state.order.count, epoch: 0)
                state.order.append(slot)
                state.boards[slot.board.missionID] = slot
                if let session = slot.board.source?.sessionID { state.sessions[session, default: []].append(slot.board.missionID) }
            }
            for _ in 0..<(try r.unsigned()) {
                let key = try r.string()
                state.idempotency[key] = MissionBoard.IdempotencyEntry(
                    missionID: try r.string(),
                    requestFingerprint: try r.optional { try $0.string() },
                    intent: try r.optional { r in IntentSummary(name: try r.internedString(), confidence: try r.double(), reason: try r.string()) })
            }
        }
        guard r.isAtEnd, r.hashMatches(expected) else { throw BinaryReader.Malformed() }
        return Snapshot(trusted: trusted, board: board)
    }
}

extension MissionBoard {
    /// A consistent view for a checkpoint: slots in creation order and the seq they reflect.
    /// Taken in constant time (the folding writer waits on this lock): the slots are sealed by
    /// a new epoch instead of copied, and the boards are read from them afterwards.
    func sealForCheckpoint() -> ([Slot], [(seq: Int, reason: String)], [String: IdempotencyEntry], Int) {
        state.withLock { state in
            state.epoch += 1
            return (state.order, state.undecodable, state.idempotency, state.appliedSeq)
        }
    }
}
