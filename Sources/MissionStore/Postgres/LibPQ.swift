import CShim
import Foundation

/// libpq, loaded on first use (`dlopen`), so that the embedded store never needs it.
/// `MISSION_LIBPQ` names the library file when it is not the system's `libpq.so.5`.
public enum LibPQ {
    public static let environmentVariable = "MISSION_LIBPQ"

    /// Loads the library once; throws `libraryMissing` (every time) if it cannot be.
    public static func load() throws(PostgresError) {
        let path = ProcessInfo.processInfo.environment[environmentVariable]
        var message = [CChar](repeating: 0, count: 512)
        let loaded = message.withUnsafeMutableBufferPointer { buffer in
            cshim_pq_load(path, buffer.baseAddress, buffer.count)
        }
        guard loaded == 0 else {
            throw .libraryMissing(String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
    }

    /// libpq's version, e.g. 150018 for 15.18 (load first).
    public static var version: Int { Int(cshim_pq_lib_version()) }
}
