"""Suite-wide fixtures. The suite needs real PostgreSQL and Redis: if either can't be reached
the run stops at once with a message naming it, rather than skipping anything."""

from __future__ import annotations

import pytest
import redis
from django.conf import settings
from django.test import Client
from rest_framework.test import APIClient

from tests.factories import IssuedKeyFactory, StaffUserFactory


def _postgres_problem() -> str | None:
    import psycopg

    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        return f"the test database must be PostgreSQL, TEST_DATABASE_URL names {db['ENGINE']}"
    try:
        psycopg.connect(
            host=db["HOST"] or "127.0.0.1",
            port=db["PORT"] or 5432,
            user=db["USER"] or None,
            password=db["PASSWORD"] or None,
            dbname="postgres",
            connect_timeout=5,
        ).close()
    except psycopg.Error as exc:
        return f"PostgreSQL is not reachable at {db['HOST']}:{db['PORT']}: {exc}"
    return None


def _redis_problem() -> str | None:
    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=5).ping()
    except redis.RedisError as exc:
        return f"Redis is not reachable at {settings.REDIS_URL}: {exc}"
    return None


def _refuse_whole_server_flush(self, *args, **kwargs):
    raise RuntimeError(
        "FLUSHALL empties every database of a Redis server other users share: use FLUSHDB "
        "on the test's own database (TEST_REDIS_URL)"
    )


def pytest_configure(config: pytest.Config) -> None:
    redis.Redis.flushall = _refuse_whole_server_flush


def pytest_sessionstart(session: pytest.Session) -> None:
    problems = [p for p in (_postgres_problem(), _redis_problem()) if p]
    if problems:
        pytest.exit("Test servers missing:\n  " + "\n  ".join(problems), returncode=3)


@pytest.fixture
def issued_key(db):
    """A tenant with an API key; ``.raw_key`` is usable as a Bearer token."""
    return IssuedKeyFactory()


@pytest.fixture
def tenant(issued_key):
    return issued_key.api_key.tenant


@pytest.fixture
def api_client(issued_key) -> APIClient:
    """An API client authenticated as ``tenant``."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issued_key.raw_key}")
    return client


@pytest.fixture
def anonymous_client() -> APIClient:
    return APIClient()


@pytest.fixture
def staff_client(db) -> Client:
    """A Django test client logged in to the admin through its login form."""
    client = Client()
    credentials = {"username": StaffUserFactory().username}
    credentials["password"] = "correct horse battery staple"
    assert client.post("/admin/login/", credentials).status_code == 302
    return client


@pytest.fixture(scope="session")
def sandbox_server():
    from connectors.sandbox.server import start_sandbox

    with start_sandbox() as running:
        yield running


@pytest.fixture
def sandbox(sandbox_server):
    """The sandbox providers on a real local port, reset (data, counters, faults) per test."""
    sandbox_server.state.reset()
    yield sandbox_server
    sandbox_server.state.reset()
