"""A fast local webhook receiver for the outbound benchmark (stdlib only, its own process).

HTTP/1.1 with keep-alive on asyncio: every POST is answered ``200`` at once, after noting its
receive time (``time.monotonic()``: CLOCK_MONOTONIC, the same clock in every process on Linux)
and which delivery it is:

- Switchboard: ``webhook-id`` header (the delivery id), ``X-Webhook-Event-Id`` (the event);
- django-webhook: ``Django-Webhook-UUID`` header (the webhook) and the saved object's ``id`` in
  the JSON body (the event); the pair is the delivery.

Control endpoints for the driver: ``GET /count`` (distinct deliveries, requests),
``GET /dump`` (every receipt as ``[time, delivery, event]``), ``POST /reset``.

    python bench/receiver.py --port 0 --ready-file PATH   # writes the bound port to PATH
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time

OK = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nContent-Type: text/plain\r\n\r\n"


class State:
    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.receipts: list[tuple[float, str, str]] = []
        self.seen: set[str] = set()

    def record(self, delivery: str, event: str, at: float) -> None:
        self.receipts.append((at, delivery, event))
        self.seen.add(delivery)


STATE = State()


def identify(headers: dict[bytes, bytes], body: bytes) -> tuple[str, str]:
    webhook_id = headers.get(b"webhook-id")
    if webhook_id is not None:
        return webhook_id.decode(), headers.get(b"x-webhook-event-id", b"").decode()
    peer_uuid = headers.get(b"django-webhook-uuid")
    if peer_uuid is not None:
        object_id = str(json.loads(body)["object"]["id"])
        return f"{peer_uuid.decode()}:{object_id}", object_id
    return f"unknown:{len(STATE.receipts)}", ""


class Http(asyncio.Protocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        self.buffer = b""

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            head_end = self.buffer.find(b"\r\n\r\n")
            if head_end < 0:
                return
            lines = self.buffer[:head_end].split(b"\r\n")
            method, target, _ = lines[0].split(b" ", 2)
            headers = {}
            for line in lines[1:]:
                name, _, value = line.partition(b":")
                headers[name.strip().lower()] = value.strip()
            length = int(headers.get(b"content-length", b"0"))
            end = head_end + 4 + length
            if len(self.buffer) < end:
                return
            body = self.buffer[head_end + 4 : end]
            self.buffer = self.buffer[end:]
            self.transport.write(self.handle(method, target, headers, body))
            if headers.get(b"connection", b"").lower() == b"close":
                self.transport.close()
                return

    def handle(self, method: bytes, target: bytes, headers: dict, body: bytes) -> bytes:
        if method == b"POST" and not target.startswith(b"/_bench/"):
            at = time.monotonic()
            delivery, event = identify(headers, body)
            STATE.record(delivery, event, at)
            return OK
        if target == b"/_bench/count":
            return _json({"distinct": len(STATE.seen), "requests": len(STATE.receipts)})
        if target == b"/_bench/dump":
            return _json(STATE.receipts)
        if target == b"/_bench/reset":
            STATE.reset()
            return _json({"reset": True})
        return b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"


def _json(value) -> bytes:
    body = json.dumps(value, separators=(",", ":")).encode()
    head = (
        f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def serve(host: str, port: int, ready_file: str | None) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(Http, host, port, backlog=1024, reuse_address=True)
    bound = server.sockets[0].getsockname()[1]
    if ready_file:
        tmp = ready_file + ".tmp"
        with open(tmp, "w") as fh:
            fh.write(str(bound))
        os.replace(tmp, ready_file)
    print(f"receiver listening on http://{host}:{bound}/", flush=True)
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--ready-file")
    args = parser.parse_args()
    asyncio.run(serve(args.host, args.port, args.ready_file))


if __name__ == "__main__":
    main()
