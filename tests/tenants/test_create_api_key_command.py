from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from tenants.models import Tenant

pytestmark = pytest.mark.django_db


def _create_key(*args: str) -> str:
    out = io.StringIO()
    call_command("create_api_key", *args, stdout=out)
    return out.getvalue().rstrip("\n").splitlines()[-1]


def test_last_line_is_a_usable_bearer_key_for_a_new_tenant():
    raw_key = _create_key("--tenant", "acme")
    tenant = Tenant.objects.get(slug="acme")
    client = APIClient()
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    assert response.status_code == 200
    assert response.json()["tenant"]["id"] == str(tenant.id)


def test_existing_tenant_is_reused_and_keys_differ():
    first = _create_key("--tenant", "acme")
    second = _create_key("--tenant", "acme", "--name", "second")
    assert first != second
    assert Tenant.objects.filter(slug="acme").count() == 1
    assert Tenant.objects.get(slug="acme").api_keys.count() == 2


def test_unusable_slug_is_a_command_error():
    with pytest.raises(CommandError, match="slug"):
        call_command("create_api_key", "--tenant", "!!!", stdout=io.StringIO())
