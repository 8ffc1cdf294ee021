import MissionModel
import CShim
import Foundation
import Glibc

/// Processes left running by attempts of a process that died: the tools start every child with
/// `MISSION_ID` in its environment, which its own children inherit. A child itself dies with
/// the server (PR_SET_PDEATHSIG), but a grandchild in its process group may not; recovery ends
/// them all before a mission's next attempt starts, so two attempts never run at once.
enum LeftoverProcesses {
    /// How long recovery waits for a killed process to be gone.
    static let waitLimit: Duration = .seconds(5)

    /// The processes (other than this one) whose environment names one of `missionIDs`.
    static func find(_ missionIDs: Set<String>) -> [(pid: pid_t, missionID: String)] {
        guard !missionIDs.isEmpty, let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        let me = getpid()
        var found: [(pid_t, String)] = []
        for entry in entries {
            guard let pid = pid_t(entry), pid != me,
                  let environment = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else { continue }
            for variable in environment.split(separator: 0) where variable.starts(with: Self.prefix) {
                let id = String(decoding: variable.dropFirst(Self.prefix.count), as: UTF8.self)
                if missionIDs.contains(id) { found.append((pid, id)) }
            }
        }
        return found
    }

    /// Kills each leftover process with its group and waits until each is gone (or the
    /// limit passes). Returns what it found, for the log.
    static func end(_ missionIDs: Set<String>) -> [(pid: pid_t, missionID: String)] {
        let found = find(missionIDs)
        var pidfds: [Int32] = []
        for (pid, _) in found {
            let pidfd = cshim_pidfd_open(pid)
            // Its group too, so that nothing it forks meanwhile escapes, when the group is the
            // tool child's: led by a process found here, or by one already dead (the child
            // killed with the server; a group's id is not reused while it has members).
            let group = getpgid(pid)
            let leaderFound = found.contains { $0.pid == group }
            if group > 1, group != getpgrp(), leaderFound || (kill(group, 0) != 0 && errno == ESRCH) { kill(-group, SIGKILL) }
            kill(pid, SIGKILL)
            if pidfd >= 0 { pidfds.append(pidfd) }
        }
        // A pidfd turns readable when its process has exited (zombie or reaped): the point
        // after which it can do nothing more.
        let deadline = ContinuousClock.now + waitLimit
        for pidfd in pidfds {
            var poller = pollfd(fd: pidfd, events: Int16(POLLIN), revents: 0)
            while ContinuousClock.now < deadline {
                let left = Int32(max(1, (deadline - ContinuousClock.now).milliseconds))
                let ready = poll(&poller, 1, left)
                if ready > 0 || (ready < 0 && errno != EINTR) { break }
            }
            close(pidfd)
        }
        return found
    }

    private static let prefix = Array("MISSION_ID=".utf8)
}
