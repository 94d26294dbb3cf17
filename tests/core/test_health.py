from __future__ import annotations

import pytest
from django.conf import settings

from tests.subprocess_django import health_in_subprocess

UNREACHABLE_POSTGRES = "postgres://postgres@127.0.0.1:1/switchboard"
UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"


def _real_database_url() -> str:
    db = settings.DATABASES["default"]
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@pytest.mark.django_db
def test_health_is_ok_with_postgres_and_redis(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "broker": "ok"}}
    assert "no-cache" in response["Cache-Control"]


def test_health_is_503_naming_the_database_when_it_is_unreachable():
    result = health_in_subprocess(
        {"DATABASE_URL": UNREACHABLE_POSTGRES, "REDIS_URL": settings.REDIS_URL}
    )
    assert result["status"] == 503
    assert result["body"]["status"] == "error"
    assert result["body"]["checks"] == {"database": "error", "broker": "ok"}
    assert "OperationalError" in result["body"]["errors"]["database"]


def test_health_is_503_naming_the_broker_when_redis_is_unreachable():
    result = health_in_subprocess(
        {"DATABASE_URL": _real_database_url(), "REDIS_URL": UNREACHABLE_REDIS}
    )
    assert result["status"] == 503
    assert result["body"]["checks"] == {"database": "ok", "broker": "error"}
    assert set(result["body"]["errors"]) == {"broker"}


def test_health_is_ok_in_the_embedded_default(tmp_path):
    result = health_in_subprocess(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'hub.sqlite3'}",
            "REDIS_URL": "",
            "DATA_DIR": str(tmp_path),
        }
    )
    assert result == {
        "status": 200,
        "body": {"status": "ok", "checks": {"database": "ok", "broker": "ok"}},
    }


@pytest.mark.django_db
def test_health_refuses_other_methods(client):
    assert client.post("/health").status_code == 405
