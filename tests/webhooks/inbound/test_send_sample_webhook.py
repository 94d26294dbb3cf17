from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from webhooks.inbound import registry
from webhooks.inbound.models import InboundEvent, WebhookRegistration

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_signed_sample_lands_as_an_event(live_server, tenant, settings):
    settings.PUBLIC_BASE_URL = live_server.url
    registry._cache.clear()
    registration = WebhookRegistration.objects.create(
        tenant=tenant, provider="github", event_types=["*"], secret="sample-secret-0123456789"
    )
    out = io.StringIO()
    call_command(
        "send_sample_webhook", "github", "--url", f"{live_server.url}/webhooks/{registration.id}",
        "--secret", "sample-secret-0123456789", "--event", "push", stdout=out,
    )  # fmt: skip
    assert out.getvalue().startswith("202")
    assert InboundEvent.objects.get().event_type == "push"
