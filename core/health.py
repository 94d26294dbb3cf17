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


CHECKS: dict[str, Callable[[], str | None]] = {
    "database": check_database,
    "broker": check_broker,
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
