"""Small counters and flags every process shares, on the hot path: one pooled Redis client
(Django's cache backend builds a client per operation, too slow for per-request use), or the
Django cache in the embedded default without Redis. Redis trouble never fails a request."""

from __future__ import annotations

import contextlib

import redis
import structlog
from django.conf import settings
from django.core.cache import cache

log = structlog.get_logger(__name__)
_client: redis.Redis | None = None


def _redis() -> redis.Redis | None:
    global _client
    if not settings.REDIS_URL:
        return None
    if _client is None:
        _client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=1)
    return _client


def _key(name: str) -> str:
    return f"{settings.CACHES['default'].get('KEY_PREFIX', '')}:state:{name}"


def count_in_window(name: str, *, window_seconds: int, amount: int = 1) -> int:
    """Add ``amount`` to a counter that expires with its window and return its total (0 if
    Redis is down)."""
    client = _redis()
    if client is None:
        if cache.add(name, amount, timeout=window_seconds):
            return amount
        try:
            return cache.incr(name, amount)
        except ValueError:
            return 0
    try:
        pipe = client.pipeline(transaction=False)
        pipe.incrby(_key(name), amount)
        pipe.expire(_key(name), window_seconds)
        count, _ = pipe.execute()
        return int(count)
    except redis.RedisError as exc:
        log.warning("shared counter unavailable", error=str(exc))
        return 0


def set_flag(name: str, *, seconds: int) -> bool:
    """Set a flag that expires; True if this call set it (False if it was already set)."""
    client = _redis()
    if client is None:
        return cache.add(name, 1, timeout=seconds)
    try:
        return bool(client.set(_key(name), 1, nx=True, ex=seconds))
    except redis.RedisError as exc:
        log.warning("shared flag unavailable", error=str(exc))
        return True


def clear_flag(name: str) -> None:
    client = _redis()
    if client is None:
        cache.delete(name)
        return
    with contextlib.suppress(redis.RedisError):  # the flag expires on its own anyway
        client.delete(_key(name))
