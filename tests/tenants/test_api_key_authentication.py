from __future__ import annotations

import pytest
from django.utils import timezone

from tenants import services
from tests.factories import IssuedKeyFactory, TenantFactory

pytestmark = pytest.mark.django_db
ME = "/api/v1/me"


def test_no_key_is_401_json_with_bearer_challenge(anonymous_client):
    response = anonymous_client.get(ME)
    assert response.status_code == 401
    assert response.json() == {
        "detail": "Authentication credentials were not provided.",
        "code": "not_authenticated",
    }
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "header",
    ["Bearer sb_not-a-real-key", "Bearer", "Bearer two parts", "bearer sb_wrong"],
)
def test_bad_key_is_401(anonymous_client, issued_key, header):
    response = anonymous_client.get(ME, HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_other_scheme_is_treated_as_no_key(anonymous_client, issued_key):
    response = anonymous_client.get(ME, HTTP_AUTHORIZATION=f"Basic {issued_key.raw_key}")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_valid_key_names_its_tenant(api_client, tenant):
    response = api_client.get(ME)
    assert response.status_code == 200
    assert response.json()["tenant"]["slug"] == tenant.slug
    assert "key" not in response.json()["api_key"]


def test_revoked_key_is_401(anonymous_client, issued_key):
    services.revoke_api_key(api_key=issued_key.api_key)
    response = anonymous_client.get(ME, HTTP_AUTHORIZATION=f"Bearer {issued_key.raw_key}")
    assert response.status_code == 401


def test_key_of_inactive_tenant_is_401(anonymous_client, issued_key, tenant):
    tenant.is_active = False
    tenant.save()
    response = anonymous_client.get(ME, HTTP_AUTHORIZATION=f"Bearer {issued_key.raw_key}")
    assert response.status_code == 401


@pytest.mark.parametrize("claim", ["id", "slug"])
def test_organization_header_naming_own_tenant_is_allowed(api_client, tenant, claim):
    response = api_client.get(ME, HTTP_X_ORGANIZATION_ID=str(getattr(tenant, claim)))
    assert response.status_code == 200


def test_organization_header_naming_another_tenant_is_403(api_client):
    other = TenantFactory()
    response = api_client.get(ME, HTTP_X_ORGANIZATION_ID=str(other.id))
    assert response.status_code == 403
    assert response.json()["code"] == "organization_mismatch"


def test_organization_header_with_garbage_is_403(api_client):
    response = api_client.get(ME, HTTP_X_ORGANIZATION_ID="not-an-org")
    assert response.status_code == 403


def test_use_is_recorded_on_the_key(api_client, issued_key):
    before = timezone.now()
    api_client.get(ME)
    issued_key.api_key.refresh_from_db()
    assert issued_key.api_key.last_used_at >= before


def test_keys_are_stored_only_as_digests(issued_key):
    from tenants.models import ApiKey

    row = ApiKey.objects.filter(pk=issued_key.api_key.pk).values().get()
    assert issued_key.raw_key not in {str(value) for value in row.values()}
    assert issued_key.raw_key.startswith(row["prefix"])


def test_two_tenants_keys_authenticate_as_their_own_tenants(anonymous_client):
    first, second = IssuedKeyFactory(), IssuedKeyFactory()
    for issued in (first, second):
        response = anonymous_client.get(ME, HTTP_AUTHORIZATION=f"Bearer {issued.raw_key}")
        assert response.json()["tenant"]["id"] == str(issued.api_key.tenant_id)
