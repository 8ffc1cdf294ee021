#!/usr/bin/env python3
"""The reference for scripts/bench-ws: a plain broadcast server on Python `websockets`.
Every client gets a hello; a message {"publish": {...}} from any client goes to all others
as {"type": "event", "event": {...}}. Prints `listening on ws://127.0.0.1:PORT`."""
import asyncio
import json
import sys

import websockets

clients = set()


async def handler(ws):
    clients.add(ws)
    try:
        await ws.send(json.dumps({"type": "hello"}))
        async for message in ws:
            data = json.loads(message)
            if "publish" in data:
                websockets.broadcast([c for c in clients if c is not ws], json.dumps({"type": "event", "event": data["publish"]}))
    finally:
        clients.discard(ws)


async def main():
    async with websockets.serve(handler, "127.0.0.1", int(sys.argv[1]) if len(sys.argv) > 1 else 0, max_size=1 << 20) as server:
        port = server.sockets[0].getsockname()[1]
        print(f"listening on ws://127.0.0.1:{port}", flush=True)
        await asyncio.Future()


asyncio.run(main())
