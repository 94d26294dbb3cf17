"""Reading a provider's request body at the edge, the same way on every path (direct, lean,
Django views).

- A body sent without ``Content-Length`` (``Transfer-Encoding: chunked``; granian passes it as
  a ``wsgi.input`` to read to its end) is read up to ``INBOUND_MAX_BODY_BYTES`` + 1 bytes: a
  larger one is known to be larger (413) without being read whole.
- Bodies being read are counted per client address in the process: under granian a request's
  thread waits for its body, and a WSGI server gives no way to interrupt that wait, so a client
  sending its bodies slowly holds a thread each. Beyond ``INBOUND_MAX_BODY_READS_PER_CLIENT``
  at once, a client's next request is refused (429, ``Connection: close``) before its body is
  read, and the server's other threads stay free for other clients. A body that has arrived is
  read in microseconds, so a provider's ordinary burst is rarely counted more than once.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any, BinaryIO

from django.conf import settings
from django.core.signals import setting_changed


def is_chunked(meta: Mapping[str, Any]) -> bool:
    """A body without a declared length, to be read to its end."""
    encoding = meta.get("HTTP_TRANSFER_ENCODING")
    return bool(encoding) and "chunked" in encoding.lower() and not meta.get("CONTENT_LENGTH")


def read_to_end(stream: BinaryIO, *, limit: int) -> bytes:
    """The stream's bytes up to ``limit`` + 1 (one more than allowed: the caller answers 413)."""
    chunks, total = [], 0
    while total <= limit:
        chunk = stream.read(limit + 1 - total)
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)


class ClientReads:
    """How many bodies each client address is sending this process at the moment."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._reading: dict[str, int] = {}
        self._cap: int | None = None  # the setting, read once (Django's settings cost per read)
        setting_changed.connect(self._on_setting_changed, weak=False)

    def enter(self, client: str) -> bool:
        """Count a request of ``client`` in; False (not counted) when it is over the cap."""
        cap = self._cap
        if cap is None:
            cap = self._cap = settings.INBOUND_MAX_BODY_READS_PER_CLIENT
        if not cap:
            return True
        with self._lock:
            reading = self._reading.get(client, 0)
            if reading >= cap:
                return False
            self._reading[client] = reading + 1
        return True

    def leave(self, client: str) -> None:
        with self._lock:
            reading = self._reading.get(client, 0) - 1
            if reading > 0:
                self._reading[client] = reading
            else:
                self._reading.pop(client, None)

    def _on_setting_changed(self, *, setting: str, **kwargs) -> None:
        if setting == "INBOUND_MAX_BODY_READS_PER_CLIENT":
            self._cap = None


client_reads = ClientReads()
