from __future__ import annotations

import pytest
from django.conf import settings

from core.heartbeats import record_heartbeat
from tests.subprocess_django import health_in_subprocess
from tests.waiting import wait_until
from tests.worker import celery_worker

UNREACHABLE_POSTGRES = "postgres://postgres@127.0.0.1:1/switchboard"
UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"


def _real_database_url() -> str:
    db = settings.DATABASES["default"]
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@pytest.mark.django_db
def test_health_is_ok_with_postgres_redis_and_a_worker(client):
    record_heartbeat(hostname="celery@test", pid=1)
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "broker": "ok", "worker": "ok"},
    }
    assert "no-cache" in response["Cache-Control"]


def test_health_is_503_naming_the_database_when_it_is_unreachable():
    result = health_in_subprocess(
        {"DATABASE_URL": UNREACHABLE_POSTGRES, "REDIS_URL": settings.REDIS_URL}
    )
    assert result["status"] == 503
    assert result["body"]["status"] == "error"
    assert result["body"]["checks"] == {"database": "error", "broker": "ok", "worker": "error"}
    assert "OperationalError" in result["body"]["errors"]["database"]


def test_health_is_503_naming_the_broker_when_redis_is_unreachable():
    result = health_in_subprocess(
        {"DATABASE_URL": _real_database_url(), "REDIS_URL": UNREACHABLE_REDIS}
    )
    assert result["status"] == 503
    assert result["body"]["checks"] == {"database": "ok", "broker": "error", "worker": "error"}
    assert set(result["body"]["errors"]) == {"broker", "worker"}


def test_health_is_ok_in_the_embedded_default(tmp_path):
    result = health_in_subprocess(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'hub.sqlite3'}",
            "REDIS_URL": "",
            "DATA_DIR": str(tmp_path),
        }
    )
    # (No worker has run against this fresh database: that check is the one error.)
    assert result["body"]["checks"] == {"database": "ok", "broker": "ok", "worker": "error"}


@pytest.mark.django_db
def test_health_refuses_other_methods(client):
    assert client.post("/health").status_code == 405


@pytest.mark.django_db(transaction=True)
def test_health_tells_a_killed_worker_from_a_live_one(client, settings):
    settings.WORKER_HEARTBEAT_MAX_AGE_SECONDS = 3
    fast = {"WORKER_HEARTBEAT_INTERVAL_SECONDS": "0.5"}

    def worker_check():
        return client.get("/health").json()["checks"]["worker"]

    assert worker_check() == "error"  # none has run yet
    with celery_worker(env=fast) as worker:
        wait_until(lambda: worker_check() == "ok", timeout=30)
        assert client.get("/health").status_code == 200
        worker.kill()  # SIGKILL: no clean shutdown tells anyone
        wait_until(lambda: worker_check() == "error", timeout=30)
    response = client.get("/health")
    assert response.status_code == 503
    assert "no worker heartbeat for" in response.json()["errors"]["worker"]
    with celery_worker(env=fast):
        wait_until(lambda: worker_check() == "ok", timeout=30)
