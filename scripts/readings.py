"""Readings shared by the benchmark scripts: a durable POST's figure is read against what the
server, the load generator and the machine spent meanwhile (they share the cores), and how many
of the accepted missions the server ran in the same time."""
import os
import re
import resource


def process_seconds(pid):
    """User + system CPU of a running process so far (fields 14 and 15 of /proc/PID/stat)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children_seconds():
    """User + system CPU of the children waited for so far (wrk, once it has run)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def machine_idle():
    """(idle + iowait, all) jiffies of the whole machine so far, from the first line of /proc/stat."""
    with open("/proc/stat") as f:
        times = [int(t) for t in f.readline().split()[1:]]
    return times[3] + times[4], sum(times)


def idle_percent(before, after):
    """The machine's idle share between two `machine_idle()` readings."""
    return 100 * (after[0] - before[0]) / max(after[1] - before[1], 1)


def ended_missions(metrics):
    """Missions ended (completed, failed or cancelled), from the text of the server's /metrics."""
    return sum(int(n) for n in re.findall(r'^mission_missions\{status="(?:completed|failed|cancelled)"\} (\d+)', metrics, re.M))
