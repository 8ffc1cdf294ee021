import MissionModel
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
    static let magic: [UInt8] = Array("MSCKPT05".utf8)
    /// Records appended between two background checkpoints.
    public static let defaultInterval = 100_000
    /// A checkpoint is synced in pieces this large, so that the logs' syncs get through between.
    static let syncChunkBytes = 1 << 20
    /// Boards per segment (`CheckpointLayout`): the unit a later checkpoint copies unchanged.
    static let segmentBoards = 1024

    /// A checkpoint written by another version: not an error in the file, just not readable here.
    struct OtherFormat: Error, CustomStringConvertible {
        var found: String
        var description: String { "it is of format \(found), this version reads \(String(decoding: magic, as: UTF8.self))" }
    }

    /// What `write` did: the seq covered, and how many segments it copied from the previous file.
    package struct Written: Equatable {
        package var seq: Int
        package var segments: Int
        package var copiedSegments: Int
    }

    struct Snapshot {
        var trusted: JSONLLog.TrustedPrefix
        var board: MissionBoard
    }

    /// Opens the missions log of `directory`, starting from its checkpoint when one is valid.
    /// Returns the store and a line saying what happened, for the start-up log.
    package static func openStore(_ directory: DataDirectory, mode: JSONLLog.Mode = .readWrite,
                          useCheckpoint: Bool = true, limits: JSONLLog.Limits = .init()) throws -> (MissionStore, String) {
        guard useCheckpoint, FileManager.default.fileExists(atPath: directory.checkpointPath) else {
            return (try MissionStore(path: directory.missionsPath, mode: mode, limits: limits), "no checkpoint; replayed the whole log")
        }
        let snapshot: Snapshot
        do {
            snapshot = try read(directory.checkpointPath)
        } catch {
            return (try MissionStore(path: directory.missionsPath, mode: mode, limits: limits), "checkpoint unreadable (\(error)); replayed the whole log")
        }
        do {
            let store = try MissionStore(path: directory.missionsPath, mode: mode, limits: limits, restored: snapshot.board, trusted: snapshot.trusted)
            let replayed = store.log.lastSeq - snapshot.trusted.seq
            return (store, "checkpoint at seq \(snapshot.trusted.seq); replayed \(replayed) records after it")
        } catch is JSONLLog.CheckpointMismatch {
            return (try MissionStore(path: directory.missionsPath, mode: mode, limits: limits), "checkpoint does not match the log; replayed the whole log")
        }
    }

    /// Writes the store's current state atomically (temp file, fsync, rename, fsync dir).
    /// Segments that nothing changed in since the previous checkpoint (written or loaded by
    /// this board) are copied from its file. Returns nil when there was nothing to cover, or
    /// when the store is not a file (a checkpoint describes a prefix of `missions.jsonl`).
    @discardableResult
    package static func write(_ store: MissionStore, to path: String) throws -> Written? {
        guard let file = store.file else { return nil }
        let sealed = store.board.sealForCheckpoint()
        guard sealed.seq > 0, let trusted = try file.trustedPrefix(through: sealed.seq) else { return nil }
        var w = BinaryWriter()
        w.raw(magic)
        w.int(trusted.firstSeq)
        w.int(trusted.seq)
        w.int(trusted.length)
        w.fixed64(trusted.lineHash)
        // Where each covered line starts, as deltas (line lengths): about two bytes a record.
        var previous = 0
        for offset in trusted.offsets {
            w.unsigned(UInt64(offset - previous))
            previous = offset
        }
        w.unsigned(UInt64(sealed.undecodable.count))
        for item in sealed.undecodable { w.int(item.seq); w.string(item.reason) }
        let old = sealed.layout.flatMap { PreviousFile(path: path, layout: $0) }
        defer { old?.file.close() }
        let slots = sealed.slots
        var segments: [CheckpointLayout.Segment] = []
        var copied = 0
        w.unsigned(UInt64((slots.count + segmentBoards - 1) / segmentBoards))
        for start in stride(from: 0, to: slots.count, by: segmentBoards) {
            let members = slots[start..<min(start + segmentBoards, slots.count)]
            let bytes: [UInt8]
            if let old, old.layout.unchanged(segments.count, members), let kept = old.bytes(of: segments.count) {
                bytes = kept
                copied += 1
            } else {
                var segment = BinaryWriter()
                for slot in members { slot.board.write(to: &segment) }
                bytes = segment.bytes
            }
            w.unsigned(UInt64(members.count))
            w.unsigned(UInt64(bytes.count))
            segments.append(.init(boards: members.count, offset: w.bytes.count, length: bytes.count))
            w.raw(bytes)
        }
        w.unsigned(UInt64(sealed.idempotency.count))
        for (key, entry) in sealed.idempotency.sorted(by: { $0.key < $1.key }) {
            w.string(key)
            w.string(entry.missionID)
            w.optional(entry.requestFingerprint) { $0.string($1) }
            w.optional(entry.intent) { w, intent in
                w.internedString(intent.name)
                w.double(intent.confidence)
                w.string(intent.reason)
            }
        }
        w.int(sealed.queuePausedSeq ?? 0)
        w.unsigned(UInt64(sealed.schedules.count))
        for schedule in sealed.schedules.values.sorted(by: { $0.scheduleID < $1.scheduleID }) {
            // The record that created it, with its seq (which retention keeps).
            w.string("{\"seq\":\(schedule.seq)," + String(decoding: schedule.createdRecord.body.dropFirst(), as: UTF8.self))
        }
        let trailer = Checksum.of(w.bytes)
        w.fixed64(trailer)
        let bytes = w.bytes
        let temporary = path + ".tmp"
        _ = unlink(temporary)
        do {
            try LogFile.appendSynced(bytes, to: temporary, syncEvery: syncChunkBytes)
        } catch {
            // A half-written checkpoint (a full disk) must not keep the space it took.
            _ = unlink(temporary)
            throw error
        }
        guard rename(temporary, path) == 0 else { throw LogError.io(path: path, operation: "rename", errno: errno) }
        LogFile.syncDirectory(of: path)
        store.board.checkpointed(CheckpointLayout(epoch: sealed.epoch, fileSize: bytes.count, trailer: trailer, segments: segments))
        return Written(seq: sealed.seq, segments: segments.count, copiedSegments: copied)
    }

    /// The checkpoint file a layout describes, opened only if it still is that file.
    private struct PreviousFile {
        let file: LogFile
        let layout: CheckpointLayout

        init?(path: String, layout: CheckpointLayout) {
            guard let file = try? LogFile.open(path, readOnly: true) else { return nil }
            guard let size = try? file.size(), size == layout.fileSize, (try? Checkpoint.trailer(of: file, size: size)) == layout.trailer else {
                file.close()
                return nil
            }
            self.file = file
            self.layout = layout
        }

        /// A failed read just means the segment is encoded afresh.
        func bytes(of index: Int) -> [UInt8]? {
            let segment = layout.segments[index]
            guard let bytes = try? file.read(at: segment.offset, count: segment.length), bytes.count == segment.length else { return nil }
            return bytes
        }
    }

    /// The checksum in a checkpoint's last 8 bytes (little-endian).
    private static func trailer(of file: LogFile, size: Int) throws -> UInt64 {
        try file.read(at: size - 8, count: 8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << UInt64($1.offset * 8) }
    }

    /// Loads a checkpoint into a new board, one whiteboard at a time. Throws when the file is
    /// damaged in any way (its trailer hash covers every byte).
    static func read(_ path: String) throws -> Snapshot {
        let file = try LogFile.open(path, readOnly: true)
        defer { file.close() }
        let size = try file.size()
        guard size > magic.count + 8 else { throw BinaryReader.Malformed() }
        let expected = try trailer(of: file, size: size)
        var r = BinaryReader(file: file, end: size - 8)
        let found = try r.raw(magic.count)
        guard found == magic else {
            guard found.starts(with: magic.prefix(6)) else { throw BinaryReader.Malformed() }
            throw OtherFormat(found: String(decoding: found, as: UTF8.self))
        }
        let firstSeq = try r.int()
        var trusted = JSONLLog.TrustedPrefix(seq: try r.int(), length: try r.int(), lineHash: try r.fixed64(), firstSeq: firstSeq)
        guard firstSeq >= 1, trusted.seq >= firstSeq - 1, trusted.seq - firstSeq + 1 <= trusted.length else { throw BinaryReader.Malformed() }
        trusted.offsets.reserveCapacity(trusted.seq - firstSeq + 1)
        var offset = 0
        for _ in 0..<(trusted.seq - firstSeq + 1) {
            offset += Int(try r.unsigned())
            guard offset < trusted.length else { throw BinaryReader.Malformed() }
            trusted.offsets.append(offset)
        }
        var undecodable: [(seq: Int, reason: String)] = []
        for _ in 0..<(try r.unsigned()) { undecodable.append((try r.int(), try r.string())) }
        let board = MissionBoard()
        var segments: [CheckpointLayout.Segment] = []
        try board.state.withLock { state in
            state.appliedSeq = trusted.seq
            state.undecodable = undecodable
            for _ in 0..<(try r.unsigned()) {
                let count = try r.unsigned()
                let length = try r.unsigned()
                guard count <= UInt64(segmentBoards), length <= UInt64(size) else { throw BinaryReader.Malformed() }
                let start = r.offset
                // Each segment has its own intern table, so that it can be copied alone.
                r.forgetInterned()
                for _ in 0..<count {
                    let slot = MissionBoard.Slot(try Whiteboard(from: &r), position: state.order.count, epoch: 0)
                    state.order.append(slot)
                    state.boards[slot.board.missionID] = slot
                    if let session = slot.board.source?.sessionID { state.sessions[session, default: []].append(slot.board.missionID) }
                    for dependency in slot.board.after { state.dependents[dependency, default: []].append(slot.board.missionID) }
                    if let key = slot.board.concurrencyKey, slot.board.status == .active { state.activeByKey[key, default: 0] += 1 }
                    if slot.board.isCreated { state.counts[slot.board.status, default: 0] += 1 }
                }
                guard r.offset - start == Int(length) else { throw BinaryReader.Malformed() }
                segments.append(.init(boards: Int(count), offset: start, length: Int(length)))
            }
            r.forgetInterned()
            for _ in 0..<(try r.unsigned()) {
                let key = try r.string()
                state.idempotency[key] = MissionBoard.IdempotencyEntry(
                    missionID: try r.string(),
                    requestFingerprint: try r.optional { try $0.string() },
                    intent: try r.optional { r in IntentSummary(name: try r.internedString(), confidence: try r.double(), reason: try r.string()) })
            }
            let pausedSeq = try r.int()
            state.queuePausedSeq = pausedSeq > 0 ? pausedSeq : nil
            for _ in 0..<(try r.unsigned()) {
                // Kept as the record that created it, read back the same way.
                guard case .object(let record)? = try? JSONParser.parse(try r.string()),
                      case .created(let schedule)? = try? Schedule.change(Schedule.createdType, record) else { throw BinaryReader.Malformed() }
                state.schedules[schedule.scheduleID] = schedule
            }
        }
        guard r.isAtEnd, r.hashMatches(expected) else { throw BinaryReader.Malformed() }
        // Loaded slots are of epoch 0; whatever is folded from here on makes slots of epoch 1.
        board.state.withLock { state in
            state.epoch = 1
            state.checkpointLayout = CheckpointLayout(epoch: 1, fileSize: size, trailer: expected, segments: segments)
        }
        return Snapshot(trusted: trusted, board: board)
    }
}

extension MissionBoard {
    /// A consistent view for a checkpoint, taken in constant time (the folding writer waits on
    /// this lock): the slots are sealed by a new epoch instead of copied, and the boards are
    /// read from them afterwards.
    struct Sealed {
        /// In creation order.
        var slots: [Slot]
        var undecodable: [(seq: Int, reason: String)]
        var idempotency: [String: IdempotencyEntry]
        var queuePausedSeq: Int?
        var schedules: [String: Schedule]
        /// The seq the slots reflect.
        var seq: Int
        /// The new epoch: every sealed slot is older, and a later change makes a slot of it.
        var epoch: Int
        /// The previous checkpoint's file, whose unchanged segments may be copied.
        var layout: CheckpointLayout?
    }

    func sealForCheckpoint() -> Sealed {
        state.withLock { state in
            state.epoch += 1
            return Sealed(slots: state.order, undecodable: state.undecodable, idempotency: state.idempotency,
                          queuePausedSeq: state.queuePausedSeq, schedules: state.schedules, seq: state.appliedSeq, epoch: state.epoch, layout: state.checkpointLayout)
        }
    }

    /// A checkpoint was written from the slots sealed at `layout.epoch`.
    func checkpointed(_ layout: CheckpointLayout) {
        state.withLock { state in
            // A slower, older checkpoint finishing last must not stand for the newer file.
            if (state.checkpointLayout?.epoch ?? 0) < layout.epoch { state.checkpointLayout = layout }
        }
    }
}
