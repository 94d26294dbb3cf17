"""Reading a provider's request body at the edge, the same way on every path (direct, lean,
Django views): a body sent without ``Content-Length`` (``Transfer-Encoding: chunked``; granian
passes it as a ``wsgi.input`` to read to its end) is read up to ``INBOUND_MAX_BODY_BYTES`` + 1
bytes: a larger one is known to be larger (413) without being read whole.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, BinaryIO


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
