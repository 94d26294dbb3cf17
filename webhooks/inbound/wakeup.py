"""Waking the processor off the request path.

A request that stored events only sets a flag in its own process (microseconds). A daemon
thread per process turns flags into at most one Celery message a second for the whole
deployment: it claims a shared Redis flag (``SET NX``, one-second TTL) and only the claimer
sends. The broker round trips, and any broker trouble, never hold up an answer. A wake-up
lost with its process is covered by the beat task that processes pending events.
"""

from __future__ import annotations

import os
import threading
import time

import structlog
from django.db import transaction

from core.shared_state import clear_flag, set_flag

log = structlog.get_logger(__name__)
WAKEUP_KEY = "inbound:wakeup"
# Pause of the sending thread after each claim attempt: under load it asks Redis a few times a
# second per process, not once per request.
CLAIM_PAUSE_SECONDS = 0.2


class Waker:
    """One sending thread per process, started on first use (after a fork, again)."""

    def __init__(self) -> None:
        self._wanted = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pid = 0

    def request(self) -> None:
        if self._wanted.is_set() and self._pid == os.getpid():
            return  # already asked for, and not yet taken up: the common case under load
        self._ensure_thread()
        self._wanted.set()

    def _ensure_thread(self) -> None:
        if self._pid == os.getpid() and self._thread is not None and self._thread.is_alive():
            return
        with self._lock:
            if self._pid != os.getpid() or self._thread is None or not self._thread.is_alive():
                self._pid = os.getpid()
                self._wanted = threading.Event()  # a fork copies the parent's state: start clean
                self._thread = threading.Thread(target=self._run, name="inbound-waker", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            self._wanted.wait()
            self._wanted.clear()
            send_wakeup()
            time.sleep(CLAIM_PAUSE_SECONDS)


_waker = Waker()


def wake_processor() -> None:
    """Ask for a processing run once the current transaction commits (at once in autocommit)."""
    transaction.on_commit(_waker.request)


def send_wakeup() -> bool:
    """Send one processing task unless another process did within the last second."""
    if not set_flag(WAKEUP_KEY, seconds=1):
        return False
    from webhooks.inbound.tasks import process_inbound_events

    try:
        process_inbound_events.delay()
    except Exception as exc:  # broker down: the beat task processes the events later
        log.warning("inbound wake-up failed", error=str(exc))
        return False
    return True


def processing_ran() -> None:
    """Called by the task when it is done: the next stored event may wake a fresh run."""
    clear_flag(WAKEUP_KEY)
