#!/usr/bin/env python3
"""`/ws` seen from outside: Python `websockets` (a strict RFC 6455 client) for every op and for
resume after a forced disconnect, and raw sockets for what a strict client never sends.
Runs the real binary: ws_suite.py path/to/mission. Prints one line per check."""
import asyncio
import base64
import json
import os
import signal
import socket
import struct
import subprocess
import sys

import requests
import websockets

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from http_suite import Server, check, MISSION  # noqa: E402


def log_seqs(server):
    with open(os.path.join(server.dir, "data", "missions.jsonl")) as f:
        return [json.loads(line)["seq"] for line in f]


async def events_until(ws, last, timeout=20):
    seqs = []
    while not seqs or seqs[-1] < last:
        message = json.loads(await asyncio.wait_for(ws.recv(), timeout))
        if message["type"] == "event":
            seqs.append(message["seq"])
    return seqs


async def ops_and_resume(server):
    base = server.url.replace("http://", "ws://")
    async with websockets.connect(base + "/ws") as ws:
        hello = json.loads(await ws.recv())
        check("hello carries protocol 1 and the log's seq", hello == {"type": "hello", "protocol": 1, "seq": hello["seq"]} and hello["protocol"] == 1)
        await ws.send(json.dumps({"op": "subscribe", "room": "missions"}))
        snapshot = json.loads(await ws.recv())
        check("subscribe answers a snapshot of the missions", snapshot["type"] == "snapshot" and snapshot["room"] == "missions" and "missions" in snapshot)
        await ws.send(json.dumps({"op": "chat", "message": "echo over websockets"}))
        seen, reply = [], None
        while len(seen) < 5:
            message = json.loads(await asyncio.wait_for(ws.recv(), 20))
            if message["type"] == "chat_reply":
                reply = message["envelope"]
            elif message["type"] == "event":
                seen.append(message["event"])
        check("chat over the socket starts a mission (chat_reply)", reply and reply["type"] == "mission_started")
        check("its five records arrive as events, in seq order", [e["seq"] for e in seen] == list(range(snapshot["seq"] + 1, snapshot["seq"] + 6))
              and seen[-1]["status"] == "completed")
        await ws.send(json.dumps({"op": "ping"}))
        check("ping → pong", json.loads(await ws.recv()) == {"type": "pong"})
        await ws.send("not json")
        check("a message that is not JSON gets an error, and the socket stays", json.loads(await ws.recv())["code"] == "invalid_json")
        await ws.send(json.dumps({"op": "fly"}))
        check("an unknown op gets unknown_op", json.loads(await ws.recv())["code"] == "unknown_op")
        pong = await ws.ping()
        await asyncio.wait_for(pong, 5)
        check("a protocol ping is answered with a pong frame", True)

    # Resume: read part of the room, drop the connection without a close, let records be
    # written meanwhile, reconnect with since = the last seq seen.
    first = log_seqs(server)[-1]
    ws = await websockets.connect(base + "/ws?room=missions&since=0")
    await ws.recv()
    got = await events_until(ws, first // 2)
    ws.transport.abort()
    for n in range(10):
        requests.post(f"{server.url}/api/missions", json={"objective": {"type": "echo", "description": f"meanwhile {n}"}})
    last = log_seqs(server)[-1]
    async with websockets.connect(f"{base}/ws?room=missions&since={got[-1]}") as again:
        await again.recv()
        rest = await events_until(again, last)
    check("resume after a forced disconnect: every seq exactly once, in order", got + rest == list(range(1, last + 1)), (got[-3:], rest[:3]))

    mission = seen[0]["mission_id"]
    async with websockets.connect(f"{base}/ws?room=mission:{mission}&since=0") as ws:
        await ws.recv()
        records = [json.loads(await asyncio.wait_for(ws.recv(), 10))["event"] for _ in range(5)]
    check("a mission room carries only that mission's records", all(r["mission_id"] == mission for r in records))


async def auth(server):
    base = server.url.replace("http://", "ws://")
    async with websockets.connect(base + "/ws") as ws:
        await ws.recv()
        await ws.send(json.dumps({"op": "chat", "message": "echo x"}))
        check("with a token, chat without auth is refused (unauthorized)", json.loads(await ws.recv())["code"] == "unauthorized")
        await ws.send(json.dumps({"op": "auth", "token": "t0ken"}))
        check("the auth op with the token → auth_ok", json.loads(await ws.recv()) == {"type": "auth_ok"})
        await ws.send(json.dumps({"op": "chat", "message": "echo x"}))
        check("then chat is accepted", json.loads(await ws.recv())["type"] == "chat_reply")
    async with websockets.connect(base + "/ws", additional_headers={"Authorization": "Bearer t0ken"}) as ws:
        await ws.recv()
        await ws.send(json.dumps({"op": "chat", "message": "echo y"}))
        check("a bearer token on the upgrade request authorizes too", json.loads(await ws.recv())["type"] == "chat_reply")


def raw_session(port, frames, headers=None):
    """Handshake by hand, send `frames` as given, return the close code the server sends (or None)."""
    key = base64.b64encode(os.urandom(16)).decode()
    lines = [f"GET /ws HTTP/1.1", f"Host: 127.0.0.1:{port}", "Upgrade: websocket", "Connection: Upgrade",
             f"Sec-WebSocket-Key: {key}", "Sec-WebSocket-Version: 13"] + (headers or [])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        data = b""
        while b"\r\n\r\n" not in data:
            data += s.recv(4096)
        head, rest = data.split(b"\r\n\r\n", 1)
        if not head.startswith(b"HTTP/1.1 101"):
            return int(head.split(b" ")[1])
        s.sendall(b"".join(frames))
        data = rest
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        except socket.timeout:
            pass
    # Walk the server's (unmasked) frames; the close frame's first two payload bytes are the code.
    while len(data) >= 2:
        opcode, length = data[0] & 0x0F, data[1] & 0x7F
        offset = 2
        if length == 126:
            length, offset = struct.unpack(">H", data[2:4])[0], 4
        elif length == 127:
            length, offset = struct.unpack(">Q", data[2:10])[0], 10
        payload = data[offset:offset + length]
        if opcode == 0x8:
            return struct.unpack(">H", payload[:2])[0] if len(payload) >= 2 else 1005
        data = data[offset + length:]
    return None


def frame(opcode, payload, fin=True, mask=True, length=None):
    header = bytes([(0x80 if fin else 0) | opcode])
    n = len(payload) if length is None else length
    bit = 0x80 if mask else 0
    if n < 126:
        header += bytes([bit | n])
    elif n < 65536:
        header += bytes([bit | 126]) + struct.pack(">H", n)
    else:
        header += bytes([bit | 127]) + struct.pack(">Q", n)
    if not mask:
        return header + payload
    key = os.urandom(4)
    return header + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


def raw_checks(port):
    cases = {
        "an unmasked client frame → 1002": ([frame(0x1, b"{}", mask=False)], 1002),
        "invalid UTF-8 → 1007": ([frame(0x1, b"\xc3\x28")], 1007),
        "UTF-8 split across fragments is fine, then a clean close → 1000": ([frame(0x1, b"\xe2\x82", fin=False), frame(0x9, b"hi"), frame(0x0, b"\xac", fin=True), frame(0x8, struct.pack(">H", 1000))], 1000),
        "a declared 2 MiB frame → 1009 before it is sent": ([frame(0x1, b"", length=2 << 20)], 1009),
        "a fragmented message over 1 MiB → 1009": ([frame(0x1, b"a" * 600000, fin=False), frame(0x0, b"a" * 600000, fin=True)], 1009),
        "reserved bits → 1002": ([bytes([0xC1]) + frame(0x1, b"x")[1:]], 1002),
        "an unknown opcode → 1002": ([frame(0x3, b"x")], 1002),
        "a fragmented ping → 1002": ([frame(0x9, b"x", fin=False)], 1002),
        "a ping over 125 bytes → 1002": ([frame(0x9, b"x" * 126)], 1002),
        "close code 1005 sent by a client → 1002": ([frame(0x8, struct.pack(">H", 1005))], 1002),
        "close code 2000 → 1002": ([frame(0x8, struct.pack(">H", 2000))], 1002),
        "a continuation with nothing to continue → 1002": ([frame(0x0, b"x")], 1002),
        "a binary message → 1003": ([frame(0x2, b"\x00\x01")], 1003),
    }
    for name, (frames, code) in cases.items():
        got = raw_session(port, frames)
        check(f"raw: {name}", got == code, f"got {got}")
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(b"GET /ws HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 12\r\n\r\n")
        answer = s.recv(4096)
    check("raw: a wrong version gets 426 with Sec-WebSocket-Version: 13", answer.startswith(b"HTTP/1.1 426") and b"Sec-WebSocket-Version: 13" in answer)


async def read_token(server):
    """CONTRACT §9 roles on /ws: without the read (or write) token, neither hello nor events."""
    base = server.url.replace("http://", "ws://")
    async with websockets.connect(base + "/ws?room=missions") as ws:
        await ws.send(json.dumps({"op": "subscribe", "room": "missions"}))
        first = json.loads(await asyncio.wait_for(ws.recv(), 20))
        check("without a token the first answer is an unauthorized error, not hello", first["type"] == "error" and first["code"] == "unauthorized", first)
        await ws.send(json.dumps({"op": "auth", "token": "wrong"}))
        check("a wrong token is refused", json.loads(await asyncio.wait_for(ws.recv(), 20))["code"] == "unauthorized")
        await ws.send(json.dumps({"op": "auth", "token": "r3ad"}))
        check("the read token is accepted (auth_ok)", json.loads(await asyncio.wait_for(ws.recv(), 20))["type"] == "auth_ok")
        check("then hello comes", json.loads(await asyncio.wait_for(ws.recv(), 20))["type"] == "hello")
        snapshot = json.loads(await asyncio.wait_for(ws.recv(), 20))
        check("and the room the upgrade named, as a snapshot", snapshot["type"] == "snapshot" and snapshot["room"] == "missions", snapshot)
        await ws.send(json.dumps({"op": "chat", "message": "echo from a reader"}))
        refused = json.loads(await asyncio.wait_for(ws.recv(), 20))
        check("the read token may not chat (unauthorized)", refused["type"] == "error" and refused["code"] == "unauthorized", refused)
    async with websockets.connect(base + "/ws", additional_headers={"Authorization": "Bearer r3ad"}) as ws:
        check("the read token on the upgrade gets hello at once", json.loads(await asyncio.wait_for(ws.recv(), 20))["type"] == "hello")
    response = requests.get(server.url + "/api/missions")
    check("GET /api/missions without a token is 401", response.status_code == 401 and response.json()["error"]["code"] == "unauthorized")
    check("with the read token it is 200", requests.get(server.url + "/api/missions", headers={"Authorization": "Bearer r3ad"}).status_code == 200)
    check("/health stays open", requests.get(server.url + "/health").status_code == 200)


def main():
    server = Server()
    asyncio.run(ops_and_resume(server))
    raw_checks(server.port)
    local = subprocess.run([MISSION, "tail", "--since", "0", "--json", "--data", server.dir + "/data"], capture_output=True, text=True).stdout
    remote = subprocess.run([MISSION, "tail", "--since", "0", "--json", "--server", server.url], capture_output=True, text=True, timeout=60)
    check("mission tail --server prints the records exactly as the local tail does", remote.returncode == 0 and remote.stdout == local, remote.stderr)
    from websockets.sync.client import connect
    with connect(server.url.replace("http://", "ws://") + "/ws?room=missions") as watcher:
        watcher.recv()
        server.process.send_signal(signal.SIGTERM)
        try:
            while True:
                watcher.recv(timeout=20)
        except websockets.exceptions.ConnectionClosed as closed:
            check("on SIGTERM a connected watcher gets close 1001 (going away)", closed.rcvd is not None and closed.rcvd.code == 1001, closed)
    code, log = server.stop()
    check("SIGTERM with a WebSocket client connected exits 0", code == 0, log[-300:])
    secured = Server(token="t0ken")
    asyncio.run(auth(secured))
    secured.stop()
    reading = Server("--read-token", "r3ad", token="t0ken")
    asyncio.run(read_token(reading))
    reading.stop()
    print("all WebSocket checks passed")


if __name__ == "__main__":
    main()
