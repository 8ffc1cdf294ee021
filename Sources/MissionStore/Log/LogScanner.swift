import Glibc

/// Reads a log file front to back in large chunks and hands out each whole line with its
/// byte offset. Bytes after the last newline are a torn tail: returned, never handed out.
struct LogScanner {
    static let chunkSize = 4 << 20

    struct Result {
        /// Offset just past the last whole line.
        var validLength: Int
        var lineCount: Int
        var tornTail: [UInt8]
    }

    /// Calls `body(lineNumber, offset, bytes)` for every whole line from `startOffset`,
    /// numbering from `firstLine`.
    static func scan(_ file: some PositionalReading, from startOffset: Int = 0, firstLine: Int = 1,
                     _ body: (Int, Int, UnsafeBufferPointer<UInt8>) throws -> Void) throws -> Result {
        var buffer = [UInt8](repeating: 0, count: chunkSize)
        var filled = 0
        var bufferOffset = startOffset
        var lineNumber = firstLine
        while true {
            if filled == buffer.count { buffer.append(contentsOf: repeatElement(0, count: buffer.count)) }
            let n = try buffer.withUnsafeMutableBytes { raw in
                try file.read(at: bufferOffset + filled, into: UnsafeMutableRawBufferPointer(rebasing: raw[filled...]))
            }
            if n == 0 { break }
            filled += n
            let consumed = try buffer.withUnsafeBufferPointer { all -> Int in
                var start = 0
                while start < filled {
                    guard let found = memchr(all.baseAddress! + start, 0x0A, filled - start) else { break }
                    let end = all.baseAddress!.distance(to: found.assumingMemoryBound(to: UInt8.self))
                    try body(lineNumber, bufferOffset + start, UnsafeBufferPointer(rebasing: all[start..<end]))
                    lineNumber += 1
                    start = end + 1
                }
                return start
            }
            if consumed > 0 {
                buffer.withUnsafeMutableBytes { raw in
                    _ = memmove(raw.baseAddress!, raw.baseAddress! + consumed, filled - consumed)
                }
                filled -= consumed
                bufferOffset += consumed
            }
        }
        return Result(validLength: bufferOffset, lineCount: lineNumber - firstLine, tornTail: Array(buffer[0..<filled]))
    }
}

/// Bytes read by offset: one file, or a log's segments read as one.
protocol PositionalReading {
    /// Reads up to the buffer's size at `offset`; 0 at the end.
    func read(at offset: Int, into buffer: UnsafeMutableRawBufferPointer) throws(LogError) -> Int
}

extension LogFile: PositionalReading {}
extension LogSegments: PositionalReading {}
