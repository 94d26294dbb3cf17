"""Waiting for real processes (workers, subprocesses) to get something done."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_until(condition: Callable[[], T], timeout: float = 30.0, step: float = 0.05) -> T:
    """``condition()``'s first truthy value; AssertionError when ``timeout`` passes first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"timed out waiting for {condition.__doc__ or condition}")
