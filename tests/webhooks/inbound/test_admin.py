from __future__ import annotations

import re

import pytest
from django.utils import timezone

from connectors.connections import create_connection
from tests.jobs import run_announced_job
from webhooks.inbound import registrations
from webhooks.inbound.models import InboundEvent, InboundStatus, WebhookRegistration

pytestmark = pytest.mark.django_db
ADMIN = "/admin/webhooks"


def _event(registration, *, status=InboundStatus.FAILED, key="k1", event_type="push"):
    return InboundEvent.objects.create(
        tenant=registration.tenant, registration=registration, provider="github",
        event_type=event_type, dedupe_key=key, payload={"ref": "refs/heads/main"},
        raw_body=b'{"ref":"refs/heads/main"}', headers={"x-github-event": event_type},
        status=status, error="boom", received_at=timezone.now(),
    )  # fmt: skip


def test_events_list_filters_and_show_the_raw_body(staff_client, github_registration):
    failed = _event(github_registration)
    _event(github_registration, status=InboundStatus.PROCESSED, key="k2", event_type="ping")
    listing = staff_client.get(f"{ADMIN}/inboundevent/", {"status": "failed"})
    assert listing.status_code == 200
    assert list(listing.context["cl"].result_list) == [failed]
    by_type = staff_client.get(f"{ADMIN}/inboundevent/", {"event_type": "ping"})
    assert [e.dedupe_key for e in by_type.context["cl"].result_list] == ["k2"]
    detail = staff_client.get(f"{ADMIN}/inboundevent/{failed.id}/change/")
    assert b"refs/heads/main" in detail.content


def test_reprocess_puts_events_back_to_pending(staff_client, github_registration):
    failed = _event(github_registration)
    response = staff_client.post(
        f"{ADMIN}/inboundevent/",
        {"action": "reprocess", "_selected_action": [str(failed.id)]},
        follow=True,
    )
    assert response.status_code == 200
    assert InboundEvent.objects.get(pk=failed.pk).status == InboundStatus.FAILED  # not yet
    job = run_announced_job(response)
    assert job.kind == "inbound_events.reprocess"
    assert (job.status, job.total, job.done) == ("succeeded", 1, 1)
    failed.refresh_from_db()
    assert (failed.status, failed.attempts, failed.error) == (InboundStatus.PENDING, 0, "")


def test_registration_page_shows_url_and_health_never_the_secret(staff_client, github_registration):
    page = staff_client.get(f"{ADMIN}/webhookregistration/{github_registration.id}/change/")
    assert page.status_code == 200
    assert f"/webhooks/{github_registration.id}".encode() in page.content
    assert github_registration.secret.encode() not in page.content


@pytest.fixture
def slack_registration(tenant):
    """A registration holding its own secret: its connection holds no signing secret."""
    connection = create_connection(tenant=tenant, connector="slack", credentials={"bot_token": "x"})
    return registrations.create_registration(
        tenant=tenant, integration_id="slack", connection_id=connection.id, events=["*"]
    ).registration


def _rotate(staff_client, registration):
    return staff_client.post(
        f"{ADMIN}/webhookregistration/",
        {"action": "rotate_secret", "_selected_action": [str(registration.id)]},
        follow=True,
    )


def test_rotating_the_secret_shows_the_new_one_once(staff_client, slack_registration):
    response = _rotate(staff_client, slack_registration)
    new_secret = re.search(rb"<code>([^<]+)</code>", response.content).group(1).decode()
    assert WebhookRegistration.objects.get().secret == new_secret != slack_registration.secret


def test_a_secret_the_connection_holds_is_rotated_on_the_connection(
    staff_client, github_registration
):
    response = _rotate(staff_client, github_registration)
    assert b"webhook_secret signs these webhooks: change it there" in response.content
    assert WebhookRegistration.objects.get().secret == github_registration.secret


def test_registration_page_opens_once_an_event_was_received(staff_client, github_registration):
    """The health report holds datetimes (the last event's, the last signature failure's)."""
    _event(github_registration)
    WebhookRegistration.objects.filter(pk=github_registration.pk).update(
        signature_failures=1, last_signature_failure_at=timezone.now()
    )
    page = staff_client.get(f"{ADMIN}/webhookregistration/{github_registration.id}/change/")
    assert page.status_code == 200
    assert b"lastEventAt" in page.content
