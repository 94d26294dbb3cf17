from __future__ import annotations

import re

import pytest
from rest_framework.test import APIClient

from tenants.models import ApiKey
from tests.factories import TenantFactory

pytestmark = pytest.mark.django_db


def test_staff_log_in_with_a_session_and_see_tenants(staff_client):
    TenantFactory(slug="visible-tenant")
    assert staff_client.get("/admin/").status_code == 200
    page = staff_client.get("/admin/tenants/tenant/")
    assert b"visible-tenant" in page.content


def test_admin_adds_an_api_key_and_shows_the_raw_key_once(staff_client):
    tenant = TenantFactory()
    response = staff_client.post(
        "/admin/tenants/apikey/add/", {"tenant": tenant.pk, "name": "from-admin"}, follow=True
    )
    assert response.status_code == 200
    raw_key = re.search(rb"(sb_[A-Za-z0-9_-]{43})", response.content).group(1).decode()
    assert ApiKey.objects.get(name="from-admin").tenant == tenant
    me = APIClient().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    assert me.json()["tenant"]["slug"] == tenant.slug
    detail = staff_client.get(
        f"/admin/tenants/apikey/{ApiKey.objects.get(name='from-admin').pk}/change/"
    )
    assert raw_key.encode() not in detail.content


def test_admin_revoke_action(staff_client, issued_key):
    response = staff_client.post(
        "/admin/tenants/apikey/",
        {"action": "revoke", "_selected_action": [str(issued_key.api_key.pk)]},
        follow=True,
    )
    assert response.status_code == 200
    issued_key.api_key.refresh_from_db()
    assert issued_key.api_key.revoked_at is not None


def test_api_rejects_admin_session_without_key(staff_client):
    assert staff_client.get("/api/v1/me").status_code == 401
