from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db


def _sample(text: str, name: str, labels: str) -> float:
    match = re.search(rf"^{re.escape(name)}\{{{re.escape(labels)}\}} (\S+)$", text, re.M)
    return float(match.group(1)) if match else 0.0


def test_metrics_expose_django_and_switchboard_families(client):
    client.get("/health")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    body = response.content.decode()
    assert "django_http_requests_total_by_view_transport_method_total" in body
    assert re.search(r'^switchboard_build_info\{version="[^"]+"\} 1\.0$', body, re.M)


def test_refused_api_requests_are_counted_by_reason(client, anonymous_client, issued_key):
    name, labels = "switchboard_api_auth_failures_total", 'reason="not_authenticated"'
    before = _sample(client.get("/metrics").content.decode(), name, labels)
    anonymous_client.get("/api/v1/me")
    anonymous_client.get("/api/v1/me")
    after = _sample(client.get("/metrics").content.decode(), name, labels)
    assert after - before == 2
