import Glibc

/// A file descriptor with the system calls the log needs, each retried on `EINTR` and
/// looping over short reads and writes.
struct LogFile: Sendable {
    let fd: Int32
    let path: String

    static func open(_ path: String, readOnly: Bool) throws(LogError) -> LogFile {
        let flags = readOnly ? (O_RDONLY | O_CLOEXEC) : (O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC)
        let fd = retrying { Glibc.open(path, flags, 0o644) }
        guard fd >= 0 else { throw .io(path: path, operation: "open", errno: errno) }
        return LogFile(fd: fd, path: path)
    }

    func writeAll(_ bytes: ArraySlice<UInt8>) throws(LogError) {
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { raw in
                retrying { Glibc.write(fd, raw.baseAddress! + written, raw.count - written) }
            }
            guard n > 0 else { throw .io(path: path, operation: "write", errno: n == 0 ? EIO : errno) }
            written += n
        }
    }

    func sync() throws(LogError) {
        guard retrying({ fdatasync(fd) }) == 0 else { throw .io(path: path, operation: "fdatasync", errno: errno) }
    }

    func read(at offset: Int, count: Int) throws(LogError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = bytes.withUnsafeMutableBytes { raw in
                retrying { pread(fd, raw.baseAddress! + done, count - done, off_t(offset + done)) }
            }
            guard n > 0 else { throw .io(path: path, operation: "pread", errno: n == 0 ? EIO : errno) }
            done += n
        }
        return bytes
    }

    /// Reads up to the buffer's size at `offset`; 0 at end of file.
    func read(at offset: Int, into buffer: UnsafeMutableRawBufferPointer) throws(LogError) -> Int {
        guard buffer.count > 0 else { return 0 }
        let n = retrying { pread(fd, buffer.baseAddress!, buffer.count, off_t(offset)) }
        guard n >= 0 else { throw .io(path: path, operation: "pread", errno: errno) }
        return n
    }

    func size() throws(LogError) -> Int {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .io(path: path, operation: "fstat", errno: errno) }
        return Int(info.st_size)
    }

    func truncate(to length: Int) throws(LogError) {
        guard retrying({ ftruncate(fd, off_t(length)) }) == 0 else { throw .io(path: path, operation: "ftruncate", errno: errno) }
    }

    func close() {
        _ = Glibc.close(fd)
    }

    /// Syncs the directory holding `path`, so that a rename into it survives a crash.
    static func syncDirectory(of path: String) {
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[..<$0]) } ?? "."
        let fd = Glibc.open(directory.isEmpty ? "/" : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        _ = Glibc.close(fd)
    }

    /// Appends `bytes` to the file at `path` and syncs it (used for `.torn` side files).
    /// `syncEvery`: sync after each so many bytes, not only at the end. One sync of a large
    /// file holds the disk long enough to stall the logs' own syncs (ext4 commits the journal
    /// for all files at once); small ones let those through in between.
    static func appendSynced(_ bytes: [UInt8], to path: String, syncEvery: Int = .max) throws(LogError) {
        let file = try open(path, readOnly: false)
        defer { file.close() }
        var start = 0
        repeat {
            let end = min(bytes.count, start + syncEvery)
            try file.writeAll(bytes[start..<end])
            try file.sync()
            start = end
        } while start < bytes.count
    }
}

func retrying<T: BinaryInteger>(_ call: () -> T) -> T {
    while true {
        let result = call()
        if result < 0 && errno == EINTR { continue }
        return result
    }
}
