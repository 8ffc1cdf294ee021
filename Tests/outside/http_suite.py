#!/usr/bin/env python3
"""The HTTP API seen from outside, with clients nobody on this project wrote: curl, Python
`requests`, and raw sockets for what polite clients never send (pipelining, smuggling
attempts, idle floods). Waiting for a mission's status is done by Python `websockets` on /ws, the
way a client is told of a change. Runs the real binary: http_suite.py path/to/mission
Exits non-zero on the first failed check; prints one line per check."""
import hashlib
import hmac
import http.server
import json
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

import requests
from websockets.sync.client import connect

MISSION = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".build/release/mission")
CHECKS = 0


def check(name, condition, detail=""):
    global CHECKS
    CHECKS += 1
    if not condition:
        print(f"FAIL {name} {detail}")
        sys.exit(1)
    print(f"ok   {name}")


class Server:
    def __init__(self, *args, token=None, max_files=None, data=None):
        self.dir = tempfile.mkdtemp(prefix="mission-outside-")
        self.data = data or self.dir + "/data"
        env = dict(os.environ)
        env.pop("MISSION_TOKEN", None)
        if token:
            env["MISSION_TOKEN"] = token
        self.stderr = open(os.path.join(self.dir, "stderr.log"), "w+")
        limit = (lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (max_files, max_files))) if max_files else None
        self.process = subprocess.Popen([MISSION, "serve", "--port", "0", "--data", self.data, *args],
                                        stdout=subprocess.PIPE, stderr=self.stderr, text=True, env=env, preexec_fn=limit)
        line = self.process.stdout.readline().strip()
        assert line.startswith("listening on http://"), line
        self.url = line[len("listening on "):]
        self.port = int(self.url.rsplit(":", 1)[1])

    def stop(self, timeout=30):
        """Stops the server and removes its data directory (kept if a check fails first)."""
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=timeout)
        self.stderr.seek(0)
        log = self.stderr.read()
        self.stderr.close()
        shutil.rmtree(self.dir, ignore_errors=True)
        return code, log


def curl(*args):
    return subprocess.run(["curl", "-sS", *args], capture_output=True, text=True, timeout=30)


def raw(port, data, read_until_close=True, timeout=10):
    """Sends bytes as given; returns all bytes the server sent until it closed."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        chunks = []
        while True:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                break
            chunks.append(chunk)
            if not read_until_close:
                break
        return b"".join(chunks)


def statuses(data):
    return [int(line.split(b" ")[1]) for line in data.split(b"\n") if line.startswith(b"HTTP/1.1 ")]


def await_status(base, mission_id, wanted, limit=20):
    """Waits for the mission's first record with a status in `wanted`, as the server announces
    it on /ws (its records from seq 0, then live): the event itself, no polling."""
    with connect(base.replace("http://", "ws://") + "/ws", open_timeout=limit) as ws:
        ws.recv(limit)  # hello
        ws.send(json.dumps({"op": "subscribe", "room": f"mission:{mission_id}", "since": 0}))
        while True:
            message = json.loads(ws.recv(limit))
            if message["type"] == "event" and message["event"].get("status") in wanted:
                return message["event"]


def wait_terminal(base, mission_id, limit=20):
    await_status(base, mission_id, ("completed", "failed", "cancelled"), limit)
    return requests.get(f"{base}/api/whiteboard/{mission_id}").json()


def fill_until_refused(base, limit=5000):
    """POSTs missions until one is refused; returns the ids acknowledged, the refusal, and the
    descriptions of requests left unanswered: their records were being written when the disk
    filled, so they wait for space (a client gives up on them, as on any slow answer)."""
    acknowledged, unanswered = [], []
    for i in range(limit):
        description = f"fill {i} " + "x" * 200
        try:
            response = requests.post(f"{base}/api/missions", json={"objective": {"type": "echo", "description": description}}, timeout=3)
        except requests.Timeout:
            unanswered.append(description)
            continue
        if response.status_code != 202:
            return acknowledged, response, unanswered
        acknowledged.append(response.json()["mission_id"])
    return acknowledged, None, unanswered


def await_health(base, limit):
    """Asks /health again after each Retry-After it is given, as a client should, until it is
    200; False if `limit` seconds pass first or a 503 comes without Retry-After."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        response = requests.get(f"{base}/health")
        if response.status_code == 200:
            return True
        if "Retry-After" not in response.headers:
            return False
        time.sleep(int(response.headers["Retry-After"]))
    return False


def full_disk_checks():
    """CONTRACT §1 on a real full disk: a 1 MiB tmpfs, most of it taken by a filler file."""
    if os.geteuid() != 0:
        sys.exit("the full-disk checks mount a tmpfs and need root (CI runs as root)")
    mount = tempfile.mkdtemp(prefix="mission-tmpfs-")
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mount], check=True)
    try:
        data, filler = os.path.join(mount, "data"), os.path.join(mount, "filler")
        server = Server("--grace-seconds", "2", data=data)
        stat = os.statvfs(mount)
        with open(filler, "wb") as f:
            f.write(b"\0" * (stat.f_bavail * stat.f_frsize - 120_000))
        acknowledged, refused, unanswered = fill_until_refused(server.url)
        check("a full disk answers 507 insufficient_storage with Retry-After 1-5",
              refused is not None and refused.status_code == 507 and refused.json()["error"]["code"] == "insufficient_storage"
              and 1 <= int(refused.headers.get("Retry-After", "0")) <= 5, refused and refused.text)
        health = requests.get(f"{server.url}/health")
        check("/health answers 503 with storage full and Retry-After", health.status_code == 503 and health.json()["storage"] == "full"
              and health.headers.get("Retry-After") == "2", health.text)
        check("reads go on", requests.get(f"{server.url}/api/missions").status_code == 200)
        again = requests.post(f"{server.url}/chat/integrated", json={"message": "echo still full"})
        check("a later POST is refused at once, 507", again.status_code == 507, again.text)
        os.remove(filler)
        check("once space is freed it resumes by itself", await_health(server.url, 15))
        after = requests.post(f"{server.url}/api/missions", json={"objective": {"type": "echo", "description": "after the disk was freed"}})
        check("and takes missions again", after.status_code == 202, after.text)
        acknowledged.append(after.json()["mission_id"])
        wait_terminal(server.url, after.json()["mission_id"])
        started = time.monotonic()
        code, log = server.stop(timeout=20)
        check("SIGTERM then stops gracefully (exit 0)", code == 0, log[-600:])
        check("its log said the disk filled and that space came back", "the disk is full" in log and "space is back" in log, log[-800:])

        # Everything acknowledged is there, and the log is sound.
        verify = subprocess.run([MISSION, "verify", "--data", data], capture_output=True, text=True, timeout=60)
        check("the log verifies after the full disk", verify.returncode == 0, verify.stdout[-500:])
        listed = subprocess.run([MISSION, "list", "--data", data, "--limit", "1000", "--json"], capture_output=True, text=True, timeout=60)
        missions = json.loads(listed.stdout)["missions"]
        ids = {m["mission_id"] for m in missions}
        check(f"all {len(acknowledged)} acknowledged missions are in the log", set(acknowledged) <= ids, len(set(acknowledged) - ids))
        descriptions = {m["description"] for m in missions}
        check(f"the {len(unanswered)} requests caught by the full disk were written once space came back, none dropped",
              set(unanswered) <= descriptions, set(unanswered) - descriptions)

        # Full at shutdown: SIGTERM still ends within the grace period, exit 1.
        server = Server("--grace-seconds", "2", data=data)
        stat = os.statvfs(mount)
        with open(filler, "wb") as f:
            f.write(b"\0" * (stat.f_bavail * stat.f_frsize - 60_000))
        _, refused, _ = fill_until_refused(server.url)
        check("full again", refused is not None and refused.status_code == 507, refused and refused.text)
        started = time.monotonic()
        code, log = server.stop(timeout=30)
        elapsed = time.monotonic() - started
        check("SIGTERM on a full disk exits within the grace period, exit 1", code == 1 and elapsed < 2 + 5, (code, elapsed, log[-400:]))
        os.remove(filler)
        verify = subprocess.run([MISSION, "verify", "--repair", "--data", data], capture_output=True, text=True, timeout=60)
        check("and the log it left verifies", verify.returncode == 0, verify.stdout[-500:])
    finally:
        subprocess.run(["umount", mount])
        shutil.rmtree(mount, ignore_errors=True)


def mission_control_checks():
    """CONTRACT §9 with curl and requests: a delay, an approval, a pause of one mission and of
    the whole queue (kept across a restart), and a rerun."""
    kept = tempfile.mkdtemp(prefix="mission-control-")
    server = Server("--token", "op-secret", "--callback-secret", "cb-secret", "--allow-callback-host", "127.0.0.1", data=kept + "/data")
    base = server.url
    auth = {"Authorization": "Bearer op-secret"}
    started = time.time()
    result = curl("-X", "POST", "-H", "Authorization: Bearer op-secret", "-H", "Content-Type: application/json",
                  "-d", json.dumps({"objective": {"type": "echo", "description": "in a second"}, "delay_seconds": 1}), f"{base}/api/missions")
    delayed = json.loads(result.stdout)["mission_id"]
    board = requests.get(f"{base}/api/whiteboard/{delayed}").json()
    check("a delayed mission waits, saying why (waiting_for run_at)", board["waiting_for"] == "run_at" or time.time() - started > 1, board)
    board = wait_terminal(base, delayed)
    check("it runs once its run_at has come", board["status"] == "completed" and board["start_time"] >= board["run_at"], board)

    # A callback, received by Python's own HTTP server and checked with Python's own HMAC.
    got = []
    arrived = threading.Event()

    class Hook(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            got.append((self.headers.get("X-Mission-Signature"), self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()
            arrived.set()

        def log_message(self, *args):
            pass

    hook = http.server.HTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=hook.serve_forever, daemon=True).start()
    called = requests.post(f"{base}/api/missions", headers=auth, json={"objective": {"type": "echo", "description": "call me back"},
                                                                     "callback_url": f"http://127.0.0.1:{hook.server_port}/done"}).json()["mission_id"]
    check("the callback arrives when the mission ends", arrived.wait(20))
    signature, payload = got[0]
    expected = "sha256=" + hmac.new(b"cb-secret", payload, hashlib.sha256).hexdigest()
    check("its X-Mission-Signature is the HMAC-SHA256 of the body (checked with Python's hmac)", signature == expected, (signature, expected))
    sent = json.loads(payload)
    check("its body names the mission, its status and its whiteboard", sent["mission_id"] == called and sent["status"] == "completed"
          and sent["whiteboard"]["execution_result"]["final_answer"] == "call me back", sent)
    hook.shutdown()
    refused = requests.post(f"{base}/api/missions", headers=auth, json={"objective": {"type": "echo", "description": "x"}, "callback_url": "http://example.com/x"})
    check("a callback_url to a host not allowed is 400", refused.status_code == 400 and "not allowed" in refused.json()["error"]["message"], refused.text)

    gated = requests.post(f"{base}/api/missions", json={"objective": {"type": "echo", "description": "ask first"}, "requires_approval": True},
                          headers=auth).json()["mission_id"]
    check("a mission that requires approval waits for it", requests.get(f"{base}/api/whiteboard/{gated}").json()["waiting_for"] == "approval")
    refused = requests.post(f"{base}/api/missions/{gated}/approve")
    check("approving needs the write token (401)", refused.status_code == 401)
    result = curl("-X", "POST", "-H", "Authorization: Bearer op-secret", f"{base}/api/missions/{gated}/approve")
    check("curl approves it (200)", json.loads(result.stdout)["status"] == "queued")
    check("the approved mission runs", wait_terminal(base, gated)["status"] == "completed")
    again = requests.post(f"{base}/api/missions/{gated}/approve", headers=auth)
    check("approving an ended mission is 409 conflict", again.status_code == 409 and again.json()["error"]["code"] == "conflict")

    check("the queue pauses", requests.post(f"{base}/api/queue/pause", headers=auth).json()["paused"] is True)
    held = requests.post(f"{base}/api/missions", json={"objective": {"type": "echo", "description": "after the pause"}}, headers=auth).json()["mission_id"]
    check("/health says paused", requests.get(f"{base}/health").json()["paused"] is True)
    paused = requests.post(f"{base}/api/missions/{held}/pause", headers=auth)
    # The pause of the whole queue comes first in waiting_for (CONTRACT §9).
    check("a queued mission pauses (200; waiting_for queue_paused first)", paused.status_code == 200 and paused.json()["waiting_for"] == "queue_paused"
          and paused.json()["timeline"][-1]["message"] == "paused", paused.text)
    code, _ = server.stop()
    check("the server stops cleanly", code == 0)

    server = Server("--token", "op-secret", data=kept + "/data")
    base = server.url
    check("after a restart the queue is still paused", requests.get(f"{base}/health").json()["paused"] is True)
    check("and the mission still waits", requests.get(f"{base}/api/whiteboard/{held}").json()["waiting_for"] == "queue_paused")
    check("the queue resumes", requests.post(f"{base}/api/queue/resume", headers=auth).json()["paused"] is False)
    check("the paused mission still waits for its own resume", requests.get(f"{base}/api/whiteboard/{held}").json()["waiting_for"] == "paused")
    check("it resumes (200)", requests.post(f"{base}/api/missions/{held}/resume", headers=auth).status_code == 200)
    check("and runs", wait_terminal(base, held)["status"] == "completed")
    rerun = requests.post(f"{base}/api/missions/{held}/rerun", headers=auth)
    check("a rerun is 202 mission_started", rerun.status_code == 202 and rerun.json()["type"] == "mission_started", rerun.text)
    child = wait_terminal(base, rerun.json()["mission_id"])
    check("the rerun names its parent and ran the same objective", child["parent_id"] == held and child["execution_result"]["final_answer"] == "after the pause", child)
    result = curl("-X", "POST", "-H", "Authorization: Bearer op-secret", "-d",
                  json.dumps({"cron": "0 9 * * MON-FRI", "name": "mornings", "mission": {"objective": {"type": "echo", "description": "good morning"}}}),
                  f"{base}/api/schedules")
    schedule = json.loads(result.stdout)
    check("curl creates a schedule (schedule_id, next_run_at at 09:00 UTC)", schedule["schedule_id"].startswith("sc-") and schedule["next_run_at"].endswith("T09:00:00.000Z"), result.stdout)
    listed = requests.get(f"{base}/api/schedules").json()["schedules"]
    check("GET /api/schedules lists it with its mission", [s["schedule_id"] for s in listed] == [schedule["schedule_id"]] and listed[0]["mission"]["objective"]["type"] == "echo")
    never = requests.post(f"{base}/api/schedules", json={"cron": "0 0 31 2 *", "mission": {"objective": {"type": "echo", "description": "x"}}}, headers=auth)
    check("a cron that never fires is 400 and says so", never.status_code == 400 and "never fires" in never.json()["error"]["message"], never.text)
    result = curl("-X", "DELETE", "-H", "Authorization: Bearer op-secret", "-o", "/dev/null", "-w", "%{http_code}", f"{base}/api/schedules/{schedule['schedule_id']}")
    check("curl -X DELETE removes it (200)", result.stdout == "200" and requests.get(f"{base}/api/schedules").json()["schedules"] == [])
    bad = requests.post(f"{base}/api/missions", json={"objective": {"type": "echo", "description": "x"}, "run_at": "next week"}, headers=auth)
    check("a bad run_at is 400 naming the field", bad.status_code == 400 and "run_at" in bad.json()["error"]["message"], bad.text)
    code, _ = server.stop()
    check("the restarted server stops cleanly", code == 0)
    verify = subprocess.run([MISSION, "verify", "--data", kept + "/data"], capture_output=True, text=True)
    check("mission verify finds the log sound", verify.returncode == 0, verify.stdout + verify.stderr)
    shutil.rmtree(kept, ignore_errors=True)


def retention_checks():
    """CONTRACT §10 from outside: a server with small segments and --retain-missions, then
    `mission compact` on the stopped directory; the next server answers reads before the
    horizon with 410 gone."""
    kept = tempfile.mkdtemp(prefix="mission-history-")
    data = kept + "/data"
    # One worker runs them first come first served: once the last has ended, all have.
    server = Server("--segment-bytes", "4096", "--retain-missions", "2", "--workers", "1", data=data)
    ids = [requests.post(f"{server.url}/api/missions", json={"objective": {"type": "echo", "description": f"old {n}"}}).json()["mission_id"]
           for n in range(40)]
    wait_terminal(server.url, ids[-1])
    code, _ = server.stop()
    check("a server with retention stops cleanly", code == 0)
    sealed = [name for name in os.listdir(data) if name.startswith("missions-")]
    check("the log was sealed into segments named by their first seq", len(sealed) >= 1 and all(len(n) == len("missions-") + 20 + 6 for n in sealed), sealed)
    compact = subprocess.run([MISSION, "compact", "--retain-missions", "2", "--data", data, "--json"], capture_output=True, text=True)
    report = json.loads(compact.stdout) if compact.returncode == 0 else {}
    check("mission compact on the stopped directory says where the kept log begins", report.get("first_seq", 0) > 1, compact.stdout + compact.stderr)
    server = Server("--segment-bytes", "4096", "--retain-missions", "2", data=data)
    base = server.url
    health = requests.get(f"{base}/health").json()
    first = health["first_seq"]
    check("/health names the first kept seq", first == report.get("first_seq"), health)
    gone = requests.get(f"{base}/api/missions/{ids[-1]}/events", params={"since": 1})
    check("events since a dropped seq are 410 gone naming the first kept seq",
          gone.status_code == 410 and gone.json()["error"]["code"] == "gone" and gone.json()["error"]["first_seq"] == first, gone.text)
    old = requests.get(f"{base}/api/whiteboard/{ids[0]}")
    check("a mission that aged out is 404 saying so", old.status_code == 404 and "aged out" in old.json()["error"]["message"], old.text)
    check("the newest missions read as before", requests.get(f"{base}/api/whiteboard/{ids[-1]}").json()["status"] == "completed")
    with connect(base.replace("http://", "ws://") + "/ws", open_timeout=10) as ws:
        ws.recv(10)
        ws.send(json.dumps({"op": "subscribe", "room": "missions", "since": 1}))
        error = json.loads(ws.recv(10))
    check("a WebSocket resume from a dropped seq is told gone with first_seq", error.get("code") == "gone" and error.get("first_seq") == first, error)
    code, _ = server.stop()
    check("it stops cleanly", code == 0)
    verify = subprocess.run([MISSION, "verify", "--data", kept + "/data"], capture_output=True, text=True)
    check("mission verify finds the compacted log sound", verify.returncode == 0, verify.stdout + verify.stderr)
    shutil.rmtree(kept, ignore_errors=True)


def main():
    full_disk_checks()
    mission_control_checks()
    retention_checks()
    server = Server("--access-log")
    base, port = server.url, server.port

    # curl: keep-alive reuse, chunked upload, Expect: 100-continue for a body over 1 KiB.
    result = curl("-v", f"{base}/health", f"{base}/api/missions")
    check("curl reuses one keep-alive connection", "Re-using existing connection" in result.stderr, result.stderr[-500:])
    result = curl("-v", "-X", "POST", "-H", "Content-Type: application/json", "-H", "Transfer-Encoding: chunked",
                  "--data-binary", json.dumps({"message": "echo chunked hello"}), f"{base}/chat/integrated")
    check("curl chunked upload is accepted (202)", "< HTTP/1.1 202" in result.stderr and "mission_started" in result.stdout, result.stderr[-400:])
    # curl 7.88 (Debian 12) adds Expect by itself only to uploads over 1 MiB; ask for it.
    big = json.dumps({"message": "echo " + "x" * 4000})
    result = curl("-v", "-X", "POST", "-H", "Content-Type: application/json", "-H", "Expect: 100-continue", "--data-binary", big, f"{base}/chat/integrated")
    check("curl sends Expect: 100-continue and gets 100 Continue", "Expect: 100-continue" in result.stderr and "< HTTP/1.1 100 Continue" in result.stderr,
          result.stderr[-600:])
    check("curl's large body created a mission", json.loads(result.stdout)["type"] == "mission_started")

    # requests: the API round trip.
    response = requests.post(f"{base}/chat/integrated", json={"message": "echo from requests"})
    check("chat → 202 mission_started with Location", response.status_code == 202 and response.headers["Location"] == f"/api/whiteboard/{response.json()['mission_id']}")
    board = wait_terminal(base, response.json()["mission_id"])
    check("the mission completes with the echoed answer", board["status"] == "completed" and board["execution_result"]["final_answer"] == "from requests", board)
    body = {"objective": {"type": "echo", "description": "keyed"}, "priority": 3}
    first = requests.post(f"{base}/api/missions", json=body, headers={"Idempotency-Key": "outside-1"})
    again = requests.post(f"{base}/api/missions", json=body, headers={"Idempotency-Key": "outside-1"})
    check("an Idempotency-Key repeat returns the same mission", first.status_code == 202 and again.json()["mission_id"] == first.json()["mission_id"])
    other = requests.post(f"{base}/api/missions", json={"objective": {"type": "echo", "description": "other"}}, headers={"Idempotency-Key": "outside-1"})
    check("the key with another body is 409 idempotency_key_reused", other.status_code == 409 and other.json()["error"]["code"] == "idempotency_key_reused")
    response = requests.delete(f"{base}/api/missions")
    check("405 with Allow", response.status_code == 405 and response.headers["Allow"] == "GET, HEAD, POST" and response.json()["error"]["code"] == "method_not_allowed")
    response = requests.get(f"{base}/api/whiteboard/m-nothing")
    check("404 JSON error", response.status_code == 404 and response.json()["error"]["code"] == "not_found")
    response = requests.post(f"{base}/chat/integrated", data=b"{not json", headers={"Content-Type": "application/json"})
    check("400 invalid_json", response.status_code == 400 and response.json()["error"]["code"] == "invalid_json")
    listing = requests.get(f"{base}/api/missions", params={"status": "completed", "limit": 2}).json()
    check("list filters and pages", len(listing["missions"]) <= 2 and all(m["status"] == "completed" for m in listing["missions"]) and listing["total"] >= 1)
    # Cursor paging (CONTRACT §10): follow next_before to the end; each mission once, newest first.
    everything = requests.get(f"{base}/api/missions", params={"limit": 200}).json()
    paged, before = [], None
    while True:
        params = {"limit": 2} | ({"before": before} if before else {})
        page = requests.get(f"{base}/api/missions", params=params).json()
        paged += [m["mission_id"] for m in page["missions"]]
        before = page["next_before"]
        if before is None or len(paged) > everything["total"]:
            break
    check("paging by before visits each mission once, newest first",
          paged == [m["mission_id"] for m in everything["missions"]] and len(paged) == everything["total"],
          f"{len(paged)} paged of {everything['total']}")
    health = requests.get(f"{base}/health").json()
    check("health names the first kept seq and the missions in memory", health["first_seq"] == 1 and health["missions_in_memory"] >= everything["total"])
    metrics = requests.get(f"{base}/metrics").text
    check("metrics count requests by route and status", 'mission_http_requests_total{route="/chat/integrated",method="POST",status="202"}' in metrics)

    # Raw sockets: pipelining, limits, smuggling.
    pipelined = b"".join(b"GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n" for _ in range(9)) + b"GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    data = raw(port, pipelined)
    check("10 pipelined requests get 10 answers in order", statuses(data) == [200] * 10, data[:200])
    data = raw(port, b"GET /health HTTP/1.1\r\nHost: localhost\r\nX-Big: " + b"a" * (40 << 10) + b"\r\n\r\n")
    check("headers over 32 KiB → 431 and close", statuses(data) == [431] and b"Connection: close" in data)
    data = raw(port, b"POST /chat/integrated HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2000000\r\n\r\n")
    check("a body over 1 MiB → 413 before it is sent", statuses(data) == [413])
    smuggles = {
        "Content-Length with Transfer-Encoding": b"POST /chat/integrated HTTP/1.1\r\nHost: localhost\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /health HTTP/1.1\r\nHost: localhost\r\n\r\n",
        "two different Content-Lengths": b"POST /chat/integrated HTTP/1.1\r\nHost: localhost\r\nContent-Length: 4\r\nContent-Length: 40\r\n\r\nGET /health HTTP/1.1\r\nHost: localhost\r\n\r\n",
        "an obfuscated Transfer-Encoding": b"POST /chat/integrated HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\nGET /health HTTP/1.1\r\nHost: localhost\r\n\r\n",
        "a space before the colon": b"POST /chat/integrated HTTP/1.1\r\nHost: localhost\r\nContent-Length : 4\r\n\r\nGET /health HTTP/1.1\r\nHost: localhost\r\n\r\n",
        "an obs-folded header": b"POST /chat/integrated HTTP/1.1\r\nHost: localhost\r\nX-A: 1\r\n Transfer-Encoding: chunked\r\n\r\n",
        "a bare LF inside chunk data": b"POST /chat/integrated HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\n0\r\n\r\n",
        "no Host in HTTP/1.1": b"GET /health HTTP/1.1\r\n\r\n",
    }
    for name, payload in smuggles.items():
        data = raw(port, payload)
        codes = statuses(data)
        check(f"smuggling attempt refused: {name}", len(codes) == 1 and codes[0] in (400, 501) and b"Connection: close" in data, data[:300])
    missions_before = requests.get(f"{base}/api/missions").json()["total"]

    # 300 idle connections (some mid-headers) held open while a normal client is served.
    idle = []
    for n in range(300):
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        if n % 3 == 0:
            s.sendall(b"GET /health HTTP/1.1\r\nHost: localhost\r\n")
        idle.append(s)
    started = time.monotonic()
    response = requests.get(f"{base}/health", timeout=10)
    check("a normal client is served while 300 connections sit idle", response.status_code == 200, response.text)
    open_now = [line for line in requests.get(f"{base}/metrics").text.splitlines() if line.startswith("mission_http_connections_open ")]
    check("the server holds all 300 idle connections", open_now and float(open_now[0].split()[1]) >= 300, open_now)
    for s in idle:
        s.close()
    print(f"     (the normal request took {1000 * (time.monotonic() - started):.1f} ms with 300 idle connections)")
    check("no mission was created by the refused requests", requests.get(f"{base}/api/missions").json()["total"] == missions_before)

    code, log = server.stop()
    check("SIGTERM exits 0 after a graceful stop", code == 0 and "stopped; logs synced" in log, log[-500:])
    check("the access log names requests, never the Authorization header", "POST /chat/integrated 202" in log and "Bearer" not in log)
    check("each access-log line carries a timestamp and the client's address",
          re.search(r"mission serve: 20\d\d-\d\d-\d\dT[\d:.]+Z 127\.0\.0\.1:\d+ POST /chat/integrated 202", log) is not None, log[-500:])

    # Out of descriptors: the server cannot accept more, and takes the next client as soon as
    # one of its connections closes.
    starved = Server(max_files=48)
    held = []
    for _ in range(60):
        s = socket.create_connection(("127.0.0.1", starved.port), timeout=10)
        held.append(s)
    waiting = socket.create_connection(("127.0.0.1", starved.port), timeout=10)
    waiting.sendall(b"GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
    waiting.settimeout(1)
    try:
        early = waiting.recv(100)
    except socket.timeout:
        early = b""
    # Queued before it, the held ones are accepted (and end) first as descriptors come free.
    for s in held:
        s.close()
    waiting.settimeout(10)
    late = early + b"".join(iter(lambda: waiting.recv(4096), b""))
    check("out of descriptors, a client waits and is served once a connection closes", early == b"" and late.startswith(b"HTTP/1.1 200"), late[:80])
    code, log = starved.stop()
    check("the server said why it could not accept", "accept failed" in log and "retrying when a connection closes" in log, log[-300:])

    # A bounded backlog: past --max-queued waiting missions, a new one is 503 queue_full.
    busy = Server("--max-queued", "1", "--workers", "1", "--allow-command", "sleep", "--grace-seconds", "0")
    first = requests.post(f"{busy.url}/api/missions", json={"objective": {"type": "command", "description": "sleep 60"}})
    # Running is not waiting: the second fits only once the first has started.
    await_status(busy.url, first.json()["mission_id"], ("active",))
    second = requests.post(f"{busy.url}/api/missions", json={"objective": {"type": "command", "description": "sleep 61"}})
    check("one mission runs and one waits", [first.status_code, second.status_code] == [202, 202], [first.text, second.text])
    response = requests.post(f"{busy.url}/api/missions", json={"objective": {"type": "echo", "description": "no room"}})
    check("past --max-queued a new mission is 503 queue_full with Retry-After",
          response.status_code == 503 and response.json()["error"]["code"] == "queue_full" and response.headers.get("Retry-After") == "1", response.text)
    listed = requests.get(f"{busy.url}/api/missions").json()
    check("and nothing was created", listed["total"] == 2, listed)
    code, _ = busy.stop()
    check("a busy server still stops at once with no grace", code == 0, code)

    # Auth and the bind rule.
    secured = Server(token="t0ken")
    response = requests.post(f"{secured.url}/chat/integrated", json={"message": "echo x"})
    check("with a token, a POST without it is 401", response.status_code == 401 and response.json()["error"]["code"] == "unauthorized")
    response = requests.post(f"{secured.url}/chat/integrated", json={"message": "echo x"}, headers={"Authorization": "Bearer t0ken"})
    check("with the token it is accepted", response.status_code == 202)
    check("reads stay open", requests.get(f"{secured.url}/api/missions").status_code == 200)
    secured.stop()
    with tempfile.TemporaryDirectory(prefix="mission-outside-") as data:
        refused = subprocess.run([MISSION, "serve", "--host", "0.0.0.0", "--port", "0", "--data", data], capture_output=True, text=True, timeout=30,
                                 env={k: v for k, v in os.environ.items() if k != "MISSION_TOKEN"})
    check("a non-loopback host without a token refuses to start", refused.returncode != 0 and "--insecure" in refused.stderr, refused.stderr)

    # Browsers (CONTRACT §4): a foreign Origin is 403 and changes nothing; a foreign Host is 421;
    # curl without Origin is unaffected; an admitted origin gets CORS answers.
    guarded = Server("--allow-origin", "http://app.example:3000")
    drive_by = ["-X", "POST", "-H", "Content-Type: text/plain", "--data", json.dumps({"objective": {"type": "echo", "description": "drive-by"}})]
    result = curl("-i", *drive_by, "-H", "Origin: http://attacker.example", f"{guarded.url}/api/missions")
    check("a POST from a foreign page is 403 forbidden_origin", result.stdout.startswith("HTTP/1.1 403") and "forbidden_origin" in result.stdout, result.stdout[:300])
    result = curl("-i", "-H", "Host: attacker.example", f"{guarded.url}/api/missions")
    check("a request for another host name is 421 misdirected_request", result.stdout.startswith("HTTP/1.1 421") and "misdirected_request" in result.stdout, result.stdout[:300])
    result = curl("-i", "-H", "Origin: http://attacker.example", "-H", "Upgrade: websocket", "-H", "Connection: Upgrade",
                  "-H", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "-H", "Sec-WebSocket-Version: 13", f"{guarded.url}/ws")
    check("a WebSocket upgrade from a foreign page is 403", result.stdout.startswith("HTTP/1.1 403"), result.stdout[:300])
    check("none of them created a mission", requests.get(f"{guarded.url}/api/missions").json()["total"] == 0)
    result = curl("-i", "-X", "OPTIONS", "-H", "Origin: http://app.example:3000", "-H", "Access-Control-Request-Method: POST", f"{guarded.url}/api/missions")
    check("an admitted origin's preflight is 204 with CORS headers",
          result.stdout.startswith("HTTP/1.1 204") and "access-control-allow-origin: http://app.example:3000" in result.stdout.lower(), result.stdout[:400])
    result = curl("-i", *drive_by, "-H", "Origin: http://app.example:3000", f"{guarded.url}/api/missions")
    check("an admitted origin's POST is 202", result.stdout.startswith("HTTP/1.1 202"), result.stdout[:300])
    result = curl("-i", *drive_by[:-2], "--data", json.dumps({"objective": {"type": "echo", "description": "curl"}}), f"{guarded.url}/api/missions")
    check("curl without Origin is unaffected", result.stdout.startswith("HTTP/1.1 202"), result.stdout[:300])
    guarded.stop()
    print(f"all {CHECKS} HTTP checks passed")


if __name__ == "__main__":
    main()
