"""The suite shares its PostgreSQL and Redis servers with other users of the machine: it
touches only the database TEST_DATABASE_URL names and the Redis database TEST_REDIS_URL names,
and nothing in tests/ or bench/ empties a whole Redis server."""

from __future__ import annotations

import os
import re
from pathlib import Path

import environ
import pytest
import redis
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from core import shared_state
from tests.subprocess_django import ROOT, run_django

WHOLE_SERVER_FLUSH = re.compile(r"flushall\s*\(|['\"]flushall['\"]", re.IGNORECASE)


def _redis_url() -> str:
    return os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _redis_db(client: redis.Redis) -> int:
    return client.connection_pool.connection_kwargs.get("db", 0)


def test_no_test_or_benchmark_flushes_a_whole_redis_server():
    """(This file alone calls it, to see the test process refuse it.)"""
    offenders = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for folder in ("tests", "bench")
        for path in sorted((ROOT / folder).rglob("*.py"))
        if path != Path(__file__) and not any(part.startswith(".venv") for part in path.parts)
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if WHOLE_SERVER_FLUSH.search(line)
    ]
    assert not offenders, "use FLUSHDB on the test's own Redis database:\n" + "\n".join(offenders)


def test_every_redis_client_of_the_suite_is_bound_to_the_test_database():
    url = _redis_url()
    db = _redis_db(redis.Redis.from_url(url))
    assert url == settings.REDIS_URL
    assert settings.CELERY_BROKER_URL == settings.REDIS_URL
    assert settings.CACHES["default"]["LOCATION"] == settings.REDIS_URL
    cache_client = cache._cache.get_client(write=True)  # Django's RedisCache
    assert _redis_db(cache_client) == db
    assert _redis_db(shared_state._redis()) == db


def test_flushall_is_refused_in_the_test_process():
    client = redis.Redis.from_url(settings.REDIS_URL)
    with pytest.raises(RuntimeError, match="FLUSHDB"):
        client.flushall()


@pytest.mark.django_db
def test_the_database_is_the_one_test_database_url_names():
    url = os.environ.get("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test_switchboard")
    named = environ.Env.db_url_config(url)["NAME"]
    assert connection.settings_dict["NAME"] == named
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_database()")
        assert cursor.fetchone()[0] == named


def test_without_test_database_url_the_suite_uses_a_database_of_its_own():
    shown = run_django(
        "from django.conf import settings\n"
        "db = settings.DATABASES['default']\n"
        "print(db['NAME'], db['TEST']['NAME'])",
        env={},  # no TEST_DATABASE_URL: run_django leaves the TEST_ variables out
        settings="config.settings_test",
    )
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.split() == ["test_switchboard", "test_switchboard"]
