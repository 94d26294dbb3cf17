"""Readiness checks behind GET /health: each returns None when healthy, else a short reason."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.db import connections


def _reason(exc: BaseException) -> str:
    first_line = (str(exc).strip().splitlines() or [""])[0]
    return f"{type(exc).__name__}: {first_line}"[:200]


def check_database() -> str | None:
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "not ready"
        connections["default"].close_if_unusable_or_obsolete()
        return _reason(exc)
    return None


def check_broker() -> str | None:
    from config.celery import app

    try:
        with app.connection_for_write() as connection:
            connection.ensure_connection(
                max_retries=1,
                interval_start=0,
                interval_step=0,
                timeout=settings.HEALTH_CHECK_TIMEOUT_SECONDS,
            )
            connection.default_channel  # noqa: B018 - opening a channel proves the broker answers
    except Exception as exc:
        return _reason(exc)
    return None


def check_worker() -> str | None:
    """A worker is alive when one refreshed its heartbeat recently (core.worker.Heartbeat):
    the broker answering says nothing about whether anything consumes from it."""
    from core.heartbeats import last_heartbeat_age

    max_age = settings.WORKER_HEARTBEAT_MAX_AGE_SECONDS
    try:
        age = last_heartbeat_age()
    except Exception as exc:  # the table can't be read: the database check says why
        connections["default"].close_if_unusable_or_obsolete()
        return _reason(exc)
    if age is None:
        return "no worker heartbeat recorded"
    if age > max_age:
        every = settings.WORKER_HEARTBEAT_INTERVAL_SECONDS
        return f"no worker heartbeat for {age:.0f} s (a live worker beats every {every:g} s)"
    return None


CHECKS: dict[str, Callable[[], str | None]] = {
    "database": check_database,
    "broker": check_broker,
    "worker": check_worker,
}


def run_checks() -> tuple[bool, dict[str, str], dict[str, str]]:
    """Run every check; return (healthy, {name: "ok"|"error"}, {name: reason})."""
    statuses: dict[str, str] = {}
    errors: dict[str, str] = {}
    for name, check in CHECKS.items():
        reason = check()
        statuses[name] = "ok" if reason is None else "error"
        if reason is not None:
            errors[name] = reason
    return not errors, statuses, errors
