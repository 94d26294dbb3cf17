"""Fault injection: what the next requests to a provider suffer, switchable at runtime from
Python (``state.faults.set("hubspot", rate_limit_next=2)``) or over HTTP
(``POST /_sandbox/faults/hubspot``). Each provider module turns a fault into the error its real
API answers, so a client under test meets the same bytes it will meet in production."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields
from enum import Enum
from typing import Any


class FaultKind(Enum):
    RATE_LIMIT = "rate_limit"
    SERVER_ERROR = "server_error"
    CLIENT_ERROR = "client_error"
    OK_FALSE = "ok_false"


@dataclass(frozen=True)
class Fault:
    kind: FaultKind
    status: int
    retry_after: int = 1
    code: str | int | None = None  # the provider's own error code, when one was asked for


@dataclass
class FaultPlan:
    """Counters count down one per request; ``None`` counts mean "until cleared"."""

    latency_ms: int = 0  # every request waits this long first
    rate_limit_next: int = 0  # the next N answer the provider's rate-limit error
    retry_after: int = 1  # seconds, in Retry-After where the provider sends it
    error_burst: int = 0  # the next N answer a 5xx
    error_status: int = 503  # which 5xx
    fail_with: int | None = None  # a 4xx status, deterministic client errors
    fail_next: int | None = None
    error_code: str | int | None = None  # provider error code for fail_with
    ok_false: str | None = None  # Slack: HTTP 200 {"ok": false, "error": <this>}
    ok_false_next: int | None = None

    def active(self) -> dict[str, Any]:
        default = FaultPlan()
        return {k: v for k, v in asdict(self).items() if v != getattr(default, k)}


_FIELDS = {f.name for f in fields(FaultPlan)}
_COUNTS = {"latency_ms", "rate_limit_next", "retry_after", "error_burst", "fail_next"}
_STATUS_RANGES = {"fail_with": range(400, 500), "error_status": range(500, 600)}


def _checked(name: str, value: Any) -> Any:
    """The value to store, or ValueError naming the bad setting (the HTTP API answers 400)."""
    if name not in _FIELDS:
        raise ValueError(f"unknown fault {name!r}; known: {', '.join(sorted(_FIELDS))}")
    if value is None:
        if name in _COUNTS - {"fail_next"}:
            raise ValueError(f"{name} must be a whole number")
        return None
    if name in _COUNTS or name in _STATUS_RANGES or name == "ok_false_next":
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"{name} must be a whole number >= 0")
        if name in _STATUS_RANGES and value not in _STATUS_RANGES[name]:
            span = _STATUS_RANGES[name]
            raise ValueError(f"{name} must be between {span.start} and {span.stop - 1}")
    elif name == "ok_false" and not isinstance(value, str):
        raise ValueError("ok_false must be an error string such as 'channel_not_found'")
    elif name == "error_code" and (isinstance(value, bool) or not isinstance(value, str | int)):
        raise ValueError("error_code must be the provider's error code, a string or a number")
    return value


class Faults:
    """Thread-safe fault plans, one per provider."""

    def __init__(self, providers: Iterable[str]) -> None:
        self._lock = threading.Lock()
        self._plans = {name: FaultPlan() for name in providers}

    def set(self, provider: str, **changes: Any) -> dict[str, Any]:
        """Merge ``changes`` into the provider's plan; returns its active settings."""
        checked = {name: _checked(name, value) for name, value in changes.items()}
        with self._lock:
            plan = self._plan(provider)
            for name, value in checked.items():
                setattr(plan, name, value)
            return plan.active()

    def clear(self, provider: str | None = None) -> None:
        with self._lock:
            for name in [provider] if provider else list(self._plans):
                self._plan(name)
                self._plans[name] = FaultPlan()

    def get(self, provider: str) -> dict[str, Any]:
        with self._lock:
            return self._plan(provider).active()

    def snapshot(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            return {name: plan.active() for name, plan in self._plans.items() if plan.active()}

    def consume(self, provider: str) -> tuple[float, Fault | None]:
        """(seconds to wait, the fault this request suffers or None), counting it down."""
        with self._lock:
            plan = self._plan(provider)
            return plan.latency_ms / 1000, _take(plan)

    def _plan(self, provider: str) -> FaultPlan:
        try:
            return self._plans[provider]
        except KeyError:
            known = ", ".join(self._plans)
            raise ValueError(f"unknown provider {provider!r}; known: {known}") from None


def _take(plan: FaultPlan) -> Fault | None:
    if plan.rate_limit_next:
        plan.rate_limit_next -= 1
        return Fault(FaultKind.RATE_LIMIT, 429, plan.retry_after)
    if plan.error_burst:
        plan.error_burst -= 1
        return Fault(FaultKind.SERVER_ERROR, plan.error_status, plan.retry_after)
    if plan.fail_with is not None:
        fault = Fault(FaultKind.CLIENT_ERROR, plan.fail_with, plan.retry_after, plan.error_code)
        plan.fail_next = _count_down(plan.fail_next)
        if plan.fail_next == 0:
            plan.fail_with = plan.fail_next = plan.error_code = None
        return fault
    if plan.ok_false is not None:
        fault = Fault(FaultKind.OK_FALSE, 200, plan.retry_after, plan.ok_false)
        plan.ok_false_next = _count_down(plan.ok_false_next)
        if plan.ok_false_next == 0:
            plan.ok_false = plan.ok_false_next = None
        return fault
    return None


def _count_down(remaining: int | None) -> int | None:
    return None if remaining is None else max(remaining - 1, 0)
