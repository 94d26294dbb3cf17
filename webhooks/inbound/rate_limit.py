"""The per-registration rate limit: a fixed one-second window counted in Redis, shared by all
processes, without a Redis round trip per request.

A process takes permits from the window's shared counter in blocks (one ``INCRBY``) and spends
them locally. It never admits more than the limit in all; it may refuse a little early, by at
most one unspent block per process and window (a block is 1/50 of the limit, so a limit of 50
or less is still counted per request). Once the window is spent, the process refuses the rest
of it without asking Redis again. Redis trouble never refuses a request.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import structlog

from core import shared_state

log = structlog.get_logger(__name__)
BLOCKS_PER_WINDOW = 50
MAX_BLOCK = 100


@dataclass
class Lease:
    window: int
    permits: int = 0
    spent: bool = False  # the shared counter had no permit left for this window


class RateLimiter:
    def __init__(self) -> None:
        self._leases: dict[str, Lease] = {}
        self._lock = threading.Lock()  # gthread workers share the process's leases

    def allows(self, key: str, *, limit: int) -> bool:
        window = int(time.time())
        with self._lock:
            lease = self._leases.get(key)
            if lease is None or lease.window != window:
                lease = self._leases[key] = Lease(window=window)
            if lease.permits == 0 and not lease.spent:
                lease.permits = take_permits(key, window=window, limit=limit)
                lease.spent = lease.permits == 0
            if lease.spent:
                return False
            lease.permits -= 1
            return True

    def clear(self) -> None:
        with self._lock:
            self._leases.clear()


def block_size(limit: int) -> int:
    return max(1, min(limit // BLOCKS_PER_WINDOW, MAX_BLOCK))


def take_permits(key: str, *, window: int, limit: int) -> int:
    """Up to one block of this window's permits (0 once the window is spent)."""
    block = block_size(limit)
    name = f"{key}:{window}"
    # A Redis outage answers 0 taken: the block is granted (rate limiting never fails a request).
    taken = shared_state.count_in_window(name, window_seconds=2, amount=block)
    return max(0, min(block, limit - (int(taken) - block)))
