import MissionModel
import Dispatch
import Glibc

/// The loop on a child's own thread: feeds stdin, reads stdout and stderr, watches the pidfd
/// and the stop pipe, escalates SIGTERM to SIGKILL, then reaps. It owns every descriptor it
/// polls and closes them when done.
struct OutputPump: @unchecked Sendable {
    // @unchecked: moved into the pump thread once and used only there.
    let pid: pid_t
    let pidfd: Int32
    let stdout: Int32
    let stderr: Int32
    let stop: Int32
    let stdin: Int32
    let input: [UInt8]
    let configuration: Subprocess.Configuration
    let lines: AsyncStream<Subprocess.Line>.Continuation

    func run() -> Subprocess.Output {
        var captured: [[UInt8]] = [[], []]
        var truncated = [false, false]
        var open = [true, true]
        var partialLine: [UInt8] = []
        var partialTruncated = false
        var inputOffset = 0
        var stdinOpen = stdin >= 0
        var exited = false
        var terminated = false
        var killAt: UInt64?
        var stopOpen = true
        if stdinOpen { _ = fcntl(stdin, F_SETFL, fcntl(stdin, F_GETFL) | O_NONBLOCK) }
        var buffer = [UInt8](repeating: 0, count: 64 << 10)

        func deliver(_ bytes: ArraySlice<UInt8>) {
            for byte in bytes {
                if byte == 0x0A {
                    lines.yield(Subprocess.Line(bytes: partialLine, truncated: partialTruncated))
                    partialLine.removeAll(keepingCapacity: true)
                    partialTruncated = false
                } else if partialLine.count < configuration.maxLineBytes {
                    partialLine.append(byte)
                } else {
                    partialTruncated = true
                }
            }
        }

        while !exited || open[0] || open[1] {
            if stdinOpen, inputOffset >= input.count {
                close(stdin)
                stdinOpen = false
            }
            var fds = [pollfd(fd: open[0] ? stdout : -1, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: open[1] ? stderr : -1, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: exited ? -1 : pidfd, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: stopOpen ? stop : -1, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: stdinOpen ? stdin : -1, events: Int16(POLLOUT), revents: 0)]
            var timeout: Int32 = -1
            if let killAt, !exited {
                let now = DispatchTime.now().uptimeNanoseconds
                timeout = now >= killAt ? 0 : Int32(min((killAt - now) / 1_000_000 + 1, 60_000))
            }
            // Once the child has exited, take what its group already wrote, but do not wait for
            // descendants that keep the pipes open: they are killed below.
            if exited { timeout = 0 }
            let ready = poll(&fds, nfds_t(fds.count), timeout)
            if ready < 0 && errno == EINTR { continue }
            if let deadline = killAt, !exited, DispatchTime.now().uptimeNanoseconds >= deadline {
                kill(-pid, SIGKILL)
                killAt = nil
            }
            if fds[3].revents != 0 {
                stopOpen = false
                terminated = true
                kill(-pid, SIGTERM)
                killAt = DispatchTime.now().uptimeNanoseconds + UInt64(max(0, configuration.killGrace.nanoseconds))
            }
            if fds[4].revents != 0 {
                let n = input.withUnsafeBytes { write(stdin, $0.baseAddress! + inputOffset, input.count - inputOffset) }
                if n > 0 { inputOffset += n } else if n < 0 && errno != EAGAIN && errno != EINTR { inputOffset = input.count }
            }
            for stream in 0..<2 where open[stream] && (fds[stream].revents != 0 || exited) {
                let n = buffer.withUnsafeMutableBytes { read(stream == 0 ? stdout : stderr, $0.baseAddress!, $0.count) }
                if n > 0 {
                    let room = max(0, configuration.outputLimit - captured[stream].count)
                    captured[stream] += buffer[0..<min(n, room)]
                    if n > room { truncated[stream] = true }
                    if stream == 0 { deliver(buffer[0..<n]) }
                } else if n == 0 || errno != EINTR {
                    // End of file, an error, or (after exit, non-blocking) nothing more buffered.
                    open[stream] = false
                }
            }
            if fds[2].revents != 0 {
                exited = true
                // What the child left running in its group goes with it, before the pipes are
                // drained: a descendant still writing could otherwise keep them busy forever.
                kill(-pid, SIGKILL)
                for fd in [stdout, stderr] { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
            }
        }
        if !partialLine.isEmpty { lines.yield(Subprocess.Line(bytes: partialLine, truncated: partialTruncated)) }
        lines.finish()
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        for fd in [pidfd, stdout, stderr, stop] { close(fd) }
        if stdinOpen { close(stdin) }
        let termination: Subprocess.Termination = (status & 0x7F) == 0 ? .exited((status >> 8) & 0xFF) : .signalled(status & 0x7F)
        return Subprocess.Output(termination: termination, stdout: captured[0], stderr: captured[1],
                                 stdoutTruncated: truncated[0], stderrTruncated: truncated[1], terminated: terminated)
    }
}
