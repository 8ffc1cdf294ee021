import MissionModel
import Glibc

/// The files of one log, read as one run of bytes (CONTRACT §10): sealed segments
/// `NAME-SEQ.jsonl`, each named by the first seq inside (20 digits), then the active
/// `NAME.jsonl` that the writer appends to. A line never spans two files, so the log's byte
/// offsets (the "virtual" ones that `JSONLLog` keeps per seq) run on from one file into the
/// next: the first kept segment starts at 0 and each starts where the one before ended.
///
/// Sealing renames the active file and opens a new one; a reader that already took the old
/// descriptor goes on reading it under its new name. Retention drops the oldest segments;
/// offsets of the rest do not change while this object lives. Each file is closed when the
/// last holder lets go of it (`OpenFile`), so a read racing with a drop finishes on the file
/// it started on and never touches a reused descriptor.
final class LogSegments: Sendable {
    /// A descriptor closed when nothing holds it any more.
    final class OpenFile: Sendable {
        let file: LogFile
        init(_ file: LogFile) { self.file = file }
        deinit { file.close() }
    }

    struct Segment: Sendable {
        let firstSeq: Int
        /// Where its first byte sits among the log's bytes.
        let start: Int
        let length: Int
        let handle: OpenFile
        var file: LogFile { handle.file }
        var end: Int { start + length }
    }

    struct State {
        var sealed: [Segment]
        var active: OpenFile
        var activeStart: Int
        /// The seq the next line of the active file gets.
        var activeFirstSeq: Int
        /// Where the first kept byte is: reads before it find nothing (retention dropped it).
        var firstOffset = 0
    }

    /// The active file's path.
    let path: String
    let readOnly: Bool
    let state: Locked<State>

    private init(path: String, readOnly: Bool, state: State) {
        self.path = path
        self.readOnly = readOnly
        self.state = Locked(state)
    }

    /// The sealed segment of the log at `path` that starts at `firstSeq`.
    static func sealedPath(of path: String, firstSeq: Int) -> String {
        let digits = String(firstSeq)
        return stem(of: path) + "-" + String(repeating: "0", count: max(0, 20 - digits.count)) + digits + ".jsonl"
    }

    private static func stem(of path: String) -> String {
        path.hasSuffix(".jsonl") ? String(path.dropLast(6)) : path
    }

    /// The sealed segments beside `path`, oldest first: (first seq, path).
    static func sealedFiles(of path: String) throws(LogError) -> [(firstSeq: Int, path: String)] {
        let stem = stem(of: path)
        let slash = stem.lastIndex(of: "/")
        let directory = slash.map { String(stem[..<$0]) } ?? "."
        let prefix = (slash.map { String(stem[stem.index(after: $0)...]) } ?? stem) + "-"
        guard let dir = opendir(directory.isEmpty ? "/" : directory) else {
            if errno == ENOENT { return [] }
            throw .io(path: directory, operation: "opendir", errno: errno)
        }
        defer { closedir(dir) }
        var found: [(Int, String)] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard name.hasPrefix(prefix), name.hasSuffix(".jsonl") else { continue }
            let digits = name.dropFirst(prefix.count).dropLast(6)
            guard digits.count == 20, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let seq = Int(digits), seq > 0 else { continue }
            found.append((seq, (directory.isEmpty ? "" : directory + "/") + name))
        }
        return found.sorted { $0.0 < $1.0 }.map { (firstSeq: $0.0, path: $0.1) }
    }

    /// Opens every segment of the log at `path` (creating the active file if it is missing:
    /// a crash may come between sealing it and making the next). A sealed segment must end
    /// with a whole line; that each starts at the seq its name says is checked by the caller,
    /// which counts the lines.
    static func open(_ path: String, readOnly: Bool) throws(LogError) -> LogSegments {
        var sealed: [Segment] = []
        var start = 0
        for (firstSeq, segmentPath) in try sealedFiles(of: path) {
            let file = OpenFile(try LogFile.open(segmentPath, readOnly: true))
            let length = try file.file.size()
            guard length > 0, try file.file.read(at: length - 1, count: 1) == [0x0A] else {
                throw LogError.corruptLine(path: segmentPath, line: firstSeq,
                                           reason: "a sealed segment must end with a whole line; it is damaged or was cut")
            }
            sealed.append(Segment(firstSeq: firstSeq, start: start, length: length, handle: file))
            start += length
        }
        if readOnly, sealed.isEmpty, access(path, F_OK) != 0 {
            throw LogError.io(path: path, operation: "open", errno: ENOENT)
        }
        let active: OpenFile
        if readOnly && access(path, F_OK) != 0 {
            // Between a writer's rename and its new file: an empty active file for now.
            active = OpenFile(try LogFile.open("/dev/null", readOnly: true))
        } else {
            active = OpenFile(try LogFile.open(path, readOnly: readOnly))
        }
        let firstSeq = sealed.first?.firstSeq ?? 1
        return LogSegments(path: path, readOnly: readOnly,
                           state: State(sealed: sealed, active: active, activeStart: start, activeFirstSeq: firstSeq))
    }

    /// The first seq of the oldest kept segment.
    var firstSeq: Int {
        state.withLock { $0.sealed.first?.firstSeq ?? $0.activeFirstSeq }
    }

    var sealed: [Segment] { state.withLock { $0.sealed } }

    var activeStart: Int { state.withLock { $0.activeStart } }

    /// After the opening scan: the active file's lines start at `seq` (the sealed ones hold
    /// the seqs before it).
    func setActiveFirstSeq(_ seq: Int) {
        state.withLock { $0.activeFirstSeq = seq }
    }

    /// Reads exactly `count` bytes at log offset `offset`, across files if need be.
    func read(at offset: Int, count: Int) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = try bytes.withUnsafeMutableBytes { raw in
                try read(at: offset + done, into: UnsafeMutableRawBufferPointer(rebasing: raw[done...]))
            }
            guard n > 0 else { throw LogError.io(path: path, operation: "pread", errno: EIO) }
            done += n
        }
        return bytes
    }

    /// Reads what one file holds at log offset `offset`, up to the buffer's size; 0 past the end.
    func read(at offset: Int, into buffer: UnsafeMutableRawBufferPointer) throws(LogError) -> Int {
        let found = state.withLock { state -> (OpenFile, Int, Int)? in
            if offset >= state.activeStart { return (state.active, offset - state.activeStart, .max) }
            guard offset >= state.firstOffset, !state.sealed.isEmpty else { return nil }
            var low = 0, high = state.sealed.count - 1
            while low < high {
                let middle = (low + high + 1) / 2
                if state.sealed[middle].start <= offset { low = middle } else { high = middle - 1 }
            }
            let segment = state.sealed[low]
            return (segment.handle, offset - segment.start, segment.end - offset)
        }
        guard let (handle, local, available) = found else { throw LogError.gone(path: path, offset: offset) }
        return try handle.file.read(at: local, into: UnsafeMutableRawBufferPointer(rebasing: buffer[..<min(buffer.count, available)]))
    }

    // MARK: The writer's side

    func writeAll(_ bytes: ArraySlice<UInt8>) throws(LogError) {
        try state.withLock { $0.active }.file.writeAll(bytes)
    }

    func sync() throws(LogError) {
        try state.withLock { $0.active }.file.sync()
    }

    /// Cuts the active file back so that the log ends at offset `end`.
    func truncate(to end: Int) throws(LogError) {
        let (active, start) = state.withLock { ($0.active, $0.activeStart) }
        try active.file.truncate(to: end - start)
    }

    /// Seals the active file, which ends at log offset `end` with the line of seq
    /// `nextSeq - 1`, and opens a new empty one. The rename and the new file are in the
    /// directory on disk before this returns, so no record lands in a file a crash could lose.
    func seal(end: Int, nextSeq: Int) throws(LogError) {
        let (active, start, firstSeq) = state.withLock { ($0.active, $0.activeStart, $0.activeFirstSeq) }
        guard end > start else { return }
        let target = Self.sealedPath(of: path, firstSeq: firstSeq)
        guard rename(path, target) == 0 else { throw .io(path: path, operation: "rename to \(target)", errno: errno) }
        let next: OpenFile
        do throws(LogError) {
            next = OpenFile(try LogFile.open(path, readOnly: false))
        } catch {
            // The log goes on in the sealed file's old descriptor; a restart makes a new one.
            LogFile.syncDirectory(of: path)
            throw error
        }
        LogFile.syncDirectory(of: path)
        state.withLock { state in
            state.sealed.append(Segment(firstSeq: firstSeq, start: start, length: end - start, handle: active))
            state.active = next
            state.activeStart = end
            state.activeFirstSeq = nextSeq
        }
    }

    /// For a reader: whether the writer has sealed the active file since it was opened
    /// (`path` now names another file). Then `adoptSealed` takes the new one.
    func activeWasSealed() -> Bool {
        let active = state.withLock { $0.active }
        var mine = stat(), named = stat()
        guard fstat(active.file.fd, &mine) == 0, stat(path, &named) == 0 else { return false }
        return mine.st_ino != named.st_ino || mine.st_dev != named.st_dev
    }

    /// For a reader that has read the old active file to its end (`end`, the line before seq
    /// `nextSeq`): it is sealed now. The segments sealed after it (the writer may have sealed
    /// several since this reader last looked) and the new active file are taken in order; a
    /// seal that races with the listing makes it look again.
    func adoptSealed(end: Int, nextSeq: Int) throws(LogError) {
        for _ in 0..<100 {
            let listed = try Self.sealedFiles(of: path).filter { $0.firstSeq >= nextSeq }
            var opened: [(firstSeq: Int, file: OpenFile, length: Int)] = []
            for segment in listed {
                let file = OpenFile(try LogFile.open(segment.path, readOnly: true))
                opened.append((segment.firstSeq, file, try file.file.size()))
            }
            guard access(path, F_OK) == 0 else { continue }
            let next = OpenFile(try LogFile.open(path, readOnly: true))
            guard try Self.sealedFiles(of: path).filter({ $0.firstSeq >= nextSeq }).map(\.firstSeq) == listed.map(\.firstSeq) else { continue }
            do {
                state.withLock { state in
                    if end > state.activeStart {
                        state.sealed.append(Segment(firstSeq: state.activeFirstSeq, start: state.activeStart,
                                                    length: end - state.activeStart, handle: state.active))
                    }
                    var start = end
                    for item in opened {
                        state.sealed.append(Segment(firstSeq: item.firstSeq, start: start, length: item.length, handle: item.file))
                        start += item.length
                    }
                    state.active = next
                    state.activeStart = start
                    // Until the reader has counted the lines of the sealed ones (`setActiveFirstSeq`).
                    state.activeFirstSeq = nextSeq
                }
                return
            }
        }
    }

    // MARK: Retention

    /// Drops the `count` oldest sealed segments (never the newest: its name says where the
    /// active file's seqs start), oldest first, deleting each or moving it into `archive`.
    /// The directory is synced after each, so a crash leaves a shorter run of segments, never
    /// a hole. Returns how many went.
    @discardableResult
    func dropOldest(_ count: Int, archive: String?) throws(LogError) -> Int {
        let doomed = state.withLock { Array($0.sealed.prefix(min(count, $0.sealed.count - 1))) }
        for segment in doomed {
            let name = Self.sealedPath(of: path, firstSeq: segment.firstSeq)
            if let archive {
                let target = archive + "/" + (name.split(separator: "/").last.map(String.init) ?? name)
                guard rename(name, target) == 0 else { throw .io(path: name, operation: "rename to \(target)", errno: errno) }
                LogFile.syncDirectory(of: target)
            } else {
                guard unlink(name) == 0 || errno == ENOENT else { throw .io(path: name, operation: "unlink", errno: errno) }
            }
            LogFile.syncDirectory(of: name)
            state.withLock { state in
                state.sealed.removeAll { $0.firstSeq == segment.firstSeq }
                state.firstOffset = state.sealed.first?.start ?? state.activeStart
            }
        }
        return doomed.count
    }
}
