import Foundation

/// Starts a thread that the kernel knows by its name, as `top -H`, `perf` and `/proc` show it.
/// On Linux, Foundation's `Thread.name` does not reach the kernel, and a new thread inherits
/// its creator's name (here, usually a pool thread's "…default-qos").
package enum NamedThread {
    package static func start(_ name: String, _ body: @escaping @Sendable () -> Void) {
        let thread = Thread {
            // The kernel keeps 15 bytes.
            try? String(decoding: name.utf8.prefix(15), as: UTF8.self).write(toFile: "/proc/thread-self/comm", atomically: false, encoding: .utf8)
            body()
        }
        thread.name = name
        thread.start()
    }
}
