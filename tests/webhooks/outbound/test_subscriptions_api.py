from __future__ import annotations

import pytest

from tests.factories import IssuedKeyFactory, make_subscription
from webhooks.outbound.models import Event, Subscription

pytestmark = pytest.mark.django_db
SUBS = "/api/v1/subscriptions"


def _create(api_client, **body):
    body = {"url": "http://127.0.0.1:9/hook", "events": ["client.created"], **body}
    return api_client.post(SUBS, body, format="json")


def test_create_returns_the_secret_once(api_client):
    created = _create(api_client, headers={"X-Env": "prod"}, max_attempts=4, timeout_seconds=5)
    assert created.status_code == 201
    body = created.json()
    assert body["secret"].startswith("whsec_")
    assert body["events"] == ["client.created"] and body["max_attempts"] == 4
    assert Subscription.objects.get(pk=body["id"]).secret == body["secret"]
    assert "secret" not in api_client.get(f"{SUBS}/{body['id']}").json()
    assert all("secret" not in item for item in api_client.get(SUBS).json()["results"])


def test_a_given_secret_is_kept_and_the_seed_003_request_works(api_client):
    created = _create(
        api_client,
        url="https://your-service.example/webhook",
        secret="your-webhook-secret-key-min-16-chars",
        events=["request_submitted", "request_approved"],
        enabled=True,
    )
    assert created.status_code == 201, created.json()
    assert created.json()["secret"] == "your-webhook-secret-key-min-16-chars"


def test_sensitive_custom_headers_are_not_shown_back(api_client):
    created = _create(api_client, headers={"Authorization": "Bearer abc", "X-Env": "prod"})
    shown = api_client.get(f"{SUBS}/{created.json()['id']}").json()["headers"]
    assert shown == {"Authorization": "[redacted]", "X-Env": "prod"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "not a url"}, "url"),
        ({"url": "ftp://example.com/x"}, "url"),
        ({"secret": "too-short"}, "secret"),
        ({"events": ["no.such.event"]}, "events"),
        ({"events": []}, "events"),
        ({"headers": {"webhook-id": "forged"}}, "headers"),
        ({"max_attempts": 0}, "max_attempts"),
        ({"timeout_seconds": 300}, "timeout_seconds"),
    ],
)
def test_bad_input_is_400_naming_the_field_and_writes_nothing(api_client, body, field):
    response = _create(api_client, **body)
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert Subscription.objects.count() == 0


def test_private_targets_are_refused_at_creation_unless_allowed(api_client, settings):
    settings.OUTBOUND_ALLOW_PRIVATE_TARGETS = False
    response = _create(api_client, url="http://127.0.0.1:8000/hook")
    assert response.status_code == 400
    assert "loopback" in str(response.json()["errors"]["url"])
    assert Subscription.objects.count() == 0


def test_patch_updates_and_reenabling_clears_the_failure_state(api_client, tenant):
    subscription, _ = make_subscription(tenant=tenant, url="http://127.0.0.1:9/a")
    Subscription.objects.filter(pk=subscription.pk).update(
        enabled=False, disabled_reason="endpoint answered 410 Gone", consecutive_failures=7
    )
    response = api_client.patch(
        f"{SUBS}/{subscription.id}", {"enabled": True, "events": ["client.*"]}, format="json"
    )
    assert response.status_code == 200
    subscription.refresh_from_db()
    assert subscription.enabled and subscription.disabled_reason == ""
    assert subscription.consecutive_failures == 0 and subscription.event_types == ["client.*"]


def test_patch_cannot_set_the_secret(api_client, tenant):
    subscription, secret = make_subscription(tenant=tenant, url="http://127.0.0.1:9/a")
    api_client.patch(f"{SUBS}/{subscription.id}", {"secret": "x" * 40}, format="json")
    subscription.refresh_from_db()
    assert subscription.secret == secret


def test_rotate_secret_shows_the_new_secret_once_and_keeps_the_old_for_the_grace(
    api_client, tenant
):
    subscription, old = make_subscription(tenant=tenant, url="http://127.0.0.1:9/a")
    response = api_client.post(f"{SUBS}/{subscription.id}/rotate-secret", {}, format="json")
    assert response.status_code == 200
    new = response.json()["secret"]
    subscription.refresh_from_db()
    assert new != old and subscription.secret == new and subscription.previous_secret == old
    assert response.json()["previous_secret_expires_at"]


def test_send_test_event_to_one_subscription(api_client, tenant):
    target, _ = make_subscription(
        tenant=tenant, url="http://127.0.0.1:9/a", events=["client.created"]
    )
    make_subscription(tenant=tenant, url="http://127.0.0.1:9/b", events=["*"])
    response = api_client.post(f"{SUBS}/{target.id}/test")
    assert response.status_code == 202
    assert response.json()["event_type"] == "webhook.test"
    assert [d["subscription"] for d in response.json()["deliveries"]] == [str(target.id)]


def test_test_event_to_a_disabled_subscription_is_409(api_client, tenant):
    target, _ = make_subscription(tenant=tenant, url="http://127.0.0.1:9/a", enabled=False)
    assert api_client.post(f"{SUBS}/{target.id}/test").status_code == 409
    assert Event.objects.count() == 0


def test_delete(api_client, tenant):
    subscription, _ = make_subscription(tenant=tenant, url="http://127.0.0.1:9/a")
    assert api_client.delete(f"{SUBS}/{subscription.id}").status_code == 204
    assert not Subscription.objects.filter(pk=subscription.pk).exists()


def test_another_tenants_subscription_answers_404_to_every_verb(api_client):
    other_tenant = IssuedKeyFactory().api_key.tenant
    foreign, _ = make_subscription(tenant=other_tenant, url="http://127.0.0.1:9/a")
    path = f"{SUBS}/{foreign.id}"
    assert api_client.get(path).status_code == 404
    assert api_client.patch(path, {"enabled": False}, format="json").status_code == 404
    assert api_client.post(f"{path}/rotate-secret", {}, format="json").status_code == 404
    assert api_client.post(f"{path}/test").status_code == 404
    assert api_client.delete(path).status_code == 404
    foreign.refresh_from_db()
    assert foreign.enabled
    assert api_client.get(SUBS).json()["results"] == []


def test_a_public_name_resolving_to_a_private_address_is_refused(api_client, settings, monkeypatch):
    import socket

    from core.http import guard

    settings.OUTBOUND_ALLOW_PRIVATE_TARGETS = False

    def internal_dns(host, port, *args, **kwargs):  # a public name pointing inward
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.20.30.40", port))]

    monkeypatch.setattr(guard, "getaddrinfo", internal_dns)
    response = _create(api_client, url="https://hooks.customer.example/in")
    assert response.status_code == 400
    assert "10.20.30.40" in str(response.json()["errors"]["url"])
    assert Subscription.objects.count() == 0
