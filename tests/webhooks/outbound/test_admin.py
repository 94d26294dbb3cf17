"""The outbound webhooks admin, driven through a staff session like an operator would: forms,
actions and changelists, against real PostgreSQL and a real local receiver."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from standardwebhooks import Webhook

from tests.factories import TenantFactory, make_subscription
from tests.jobs import announced_job, run_announced_job
from tests.receiver import Reply
from webhooks.outbound.delivery import deliver
from webhooks.outbound.models import Delivery, DeliveryStatus, Event, Subscription
from webhooks.outbound.publishing import publish
from webhooks.outbound.subscriptions import default_max_attempts

pytestmark = pytest.mark.django_db

ADMIN = "/admin/webhooks"
SECRET = re.compile(r"whsec_[A-Za-z0-9+/=]+")


def act(client: Client, model: str, action: str, selected, query: str = "", **extra):
    """Run a changelist action on the ``selected`` instances and follow to the result page."""
    data = {"action": action, "_selected_action": [str(row.pk) for row in selected], **extra}
    return client.post(f"{ADMIN}/{model}/{query}", data, follow=True)


def shown_messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def shown_secret(response) -> str:
    """The one secret in the page's messages."""
    (secret,) = [s for m in shown_messages(response) for s in SECRET.findall(m)]
    return secret


def rows(client: Client, model: str, query: str = "") -> set:
    response = client.get(f"{ADMIN}/{model}/{query}")
    assert response.status_code == 200
    return {row.pk for row in response.context["cl"].result_list}


def delivered(tenant, receiver, status: int, event_type: str = "client.created") -> list[Delivery]:
    """Publish one event and attempt its deliveries once, the receiver answering ``status``."""
    published = publish(tenant, event_type, {"name": "Ada"})
    receiver.reply_with(*[Reply(status=status)] * len(published.deliveries))
    return [deliver(delivery_id=delivery.pk) for delivery in published.deliveries]


def subscription_form(**fields) -> dict:
    return {
        "url": "https://hooks.example.com/in",
        "description": "",
        "event_types": "*",
        "headers": "{}",
        "max_attempts": "",
        "timeout_seconds": "",
        **fields,
    }


def test_adding_a_subscription_shows_its_secret_once_and_it_signs(staff_client, tenant, receiver):
    response = staff_client.post(
        f"{ADMIN}/subscription/add/",
        subscription_form(
            tenant=tenant.pk,
            url=receiver.url,
            event_types="client.created, client.updated",
            headers='{"X-Team": "crm"}',
        ),
        follow=True,
    )
    secret = shown_secret(response)
    assert response.content.decode().count(secret) == 1
    subscription = Subscription.objects.get(url=receiver.url)
    assert subscription.secret == secret and subscription.tenant == tenant
    assert subscription.event_types == ["client.created", "client.updated"]
    assert (
        subscription.headers == {"X-Team": "crm"}
        and subscription.max_attempts == default_max_attempts()
    )
    delivered(tenant, receiver, 200)
    (request,) = receiver.requests
    signed = {k: v for k, v in request.headers.items() if k.startswith("webhook-")}
    assert Webhook(secret).verify(request.body, signed)["data"] == {"name": "Ada"}
    for page in (f"{ADMIN}/subscription/", f"{ADMIN}/subscription/{subscription.pk}/change/"):
        assert secret not in staff_client.get(page).content.decode()


def test_the_add_form_takes_a_json_list_and_a_chosen_secret(staff_client, tenant):
    chosen = "a-secret-chosen-by-the-operator"
    staff_client.post(
        f"{ADMIN}/subscription/add/",
        subscription_form(
            tenant=tenant.pk, event_types='["client.*"]', secret=chosen, max_attempts="3"
        ),
    )
    subscription = Subscription.objects.get()
    assert subscription.secret == chosen and subscription.event_types == ["client.*"]
    assert subscription.max_attempts == 3


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("event_types", "client.created, nope.nothing", "nope.nothing"),
        ("event_types", '["client.*"', "Not a JSON list"),
        ("url", "ftp://hooks.example.com/in", "scheme must be http or https"),
        ("headers", '{"Webhook-Id": "mine"}', "reserved"),
        ("headers", '["X-Team"]', "JSON object"),
        ("headers", '{"Authorization": "[redacted]"}', "again"),
        ("secret", "short", "at least 16"),
    ],
)
def test_the_add_form_refuses_bad_input(staff_client, tenant, field, value, error):
    response = staff_client.post(
        f"{ADMIN}/subscription/add/", subscription_form(tenant=tenant.pk, **{field: value})
    )
    assert response.status_code == 200
    assert error in " ".join(response.context["adminform"].form.errors[field])
    assert not Subscription.objects.exists()


def test_the_change_page_hides_the_secret_and_credential_headers(staff_client, tenant):
    subscription, secret = make_subscription(
        tenant=tenant,
        url="https://hooks.example.com/in",
        headers={"Authorization": "Bearer t0k", "X-Team": "crm"},
    )
    page = staff_client.get(f"{ADMIN}/subscription/{subscription.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert secret not in html and "Bearer t0k" not in html and "[redacted]" in html
    shown = page.context["adminform"].form["headers"].value()
    staff_client.post(
        f"{ADMIN}/subscription/{subscription.pk}/change/",
        subscription_form(
            url="https://hooks.example.com/moved",
            event_types="client.deleted",
            headers=shown,
            max_attempts="4",
            timeout_seconds="5",
        ),
    )
    subscription.refresh_from_db()
    assert subscription.url == "https://hooks.example.com/moved"
    assert subscription.event_types == ["client.deleted"] and subscription.max_attempts == 4
    assert subscription.headers == {"Authorization": "Bearer t0k", "X-Team": "crm"}
    assert subscription.secret == secret


def test_the_change_form_validates_the_url(staff_client, tenant, settings):
    settings.OUTBOUND_ALLOW_PRIVATE_TARGETS = False
    subscription, _secret = make_subscription(tenant=tenant, url="https://hooks.example.com/in")
    response = staff_client.post(
        f"{ADMIN}/subscription/{subscription.pk}/change/",
        subscription_form(url="http://127.0.0.1:9/in", max_attempts="4", timeout_seconds="5"),
    )
    assert response.context["adminform"].form.errors["url"]
    subscription.refresh_from_db()
    assert subscription.url == "https://hooks.example.com/in"


def test_disable_and_enable_actions(staff_client, tenant):
    subscription, _secret = make_subscription(tenant=tenant, url="https://hooks.example.com/in")
    act(staff_client, "subscription", "disable", [subscription])
    subscription.refresh_from_db()
    assert not subscription.enabled
    assert subscription.disabled_reason == "disabled by an operator" and subscription.disabled_at
    response = act(staff_client, "subscription", "enable", [subscription])
    assert shown_messages(response) == ["Enabled 1 subscription(s)."]
    subscription.refresh_from_db()
    assert subscription.enabled and subscription.disabled_reason == ""


def test_rotate_secret_shows_the_new_secret_once(staff_client, tenant):
    subscription, old_secret = make_subscription(tenant=tenant, url="https://hooks.example.com/a")
    response = act(staff_client, "subscription", "rotate_secret", [subscription])
    new_secret = shown_secret(response)
    subscription.refresh_from_db()
    assert subscription.secret == new_secret != old_secret
    assert (
        subscription.previous_secret == old_secret
        and "also signs until" in shown_messages(response)[0]
    )
    later = staff_client.get(f"{ADMIN}/subscription/{subscription.pk}/change/")
    assert new_secret not in later.content.decode()


def test_rotate_secret_takes_one_subscription_at_a_time(staff_client, tenant):
    first, first_secret = make_subscription(tenant=tenant, url="https://hooks.example.com/a")
    second, _ = make_subscription(tenant=tenant, url="https://hooks.example.com/b")
    response = act(staff_client, "subscription", "rotate_secret", [first, second])
    assert shown_messages(response) == ["Select exactly one subscription to rotate its secret."]
    first.refresh_from_db()
    assert first.secret == first_secret


def test_send_test_event_publishes_to_that_subscription_only(staff_client, tenant):
    chosen, _ = make_subscription(tenant=tenant, url="https://hooks.example.com/a")
    make_subscription(tenant=tenant, url="https://hooks.example.com/b")
    disabled, _ = make_subscription(
        tenant=tenant, url="https://hooks.example.com/off", enabled=False
    )
    response = act(staff_client, "subscription", "send_test_event", [chosen, disabled])
    assert "Sent a test event to 1 subscription(s)." in shown_messages(response)
    (event,) = Event.objects.filter(event_type="webhook.test")
    assert event.tenant == tenant and event.payload["subscription_id"] == str(chosen.pk)
    assert [d.subscription for d in event.deliveries.all()] == [chosen]


def test_bulk_replay_turns_dead_deliveries_pending_with_attempts_reset(
    staff_client, tenant, receiver
):
    make_subscription(tenant=tenant, url=receiver.url, events=["client.*"])
    dead = delivered(tenant, receiver, 400) + delivered(tenant, receiver, 422)
    (succeeded,) = delivered(tenant, receiver, 200)
    assert {d.status for d in dead} == {DeliveryStatus.DEAD}
    response = act(staff_client, "delivery", "replay", [*dead, succeeded])
    queued = announced_job(response)
    assert shown_messages(response) == [
        "Replaying the failed and dead ones among 3 selected deliveries runs in the background "
        f'as <a href="/admin/core/job/{queued.pk}/change/">job {queued.pk}</a>.'
    ]
    assert (queued.kind, queued.status, queued.total) == ("deliveries.replay", "queued", 3)
    assert Delivery.objects.get(pk=dead[0].pk).status == DeliveryStatus.DEAD  # not yet
    job = run_announced_job(response)
    assert (job.status, job.done, job.skipped, job.failed) == ("succeeded", 2, 1, 0)
    for delivery in dead:
        delivery.refresh_from_db()
        assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 0
        assert delivery.dead_at is None and delivery.total_attempts == 1
    succeeded.refresh_from_db()
    assert succeeded.status == DeliveryStatus.SUCCEEDED


@pytest.fixture
def problems(tenant, receiver):
    """Two subscriptions with dead, failed and succeeded deliveries of two event types."""
    created, _ = make_subscription(tenant=tenant, url=receiver.url, events=["client.created"])
    deleted, _ = make_subscription(
        tenant=tenant, url=receiver.url + "/d", events=["client.deleted"]
    )
    return {
        "created": created,
        "deleted": deleted,
        "dead_created": delivered(tenant, receiver, 400)[0],
        "failed_created": delivered(tenant, receiver, 503)[0],
        "ok_created": delivered(tenant, receiver, 200)[0],
        "dead_deleted": delivered(tenant, receiver, 400, "client.deleted")[0],
    }


def test_dead_letters_are_the_problem_deliveries_and_filters_narrow_them(staff_client, problems):
    dead = {problems["dead_created"].pk, problems["dead_deleted"].pk}
    failed = {problems["failed_created"].pk}
    assert rows(staff_client, "deadletter") == dead | failed
    assert rows(staff_client, "deadletter", "?status=dead") == dead
    assert rows(staff_client, "deadletter", "?status=failed") == failed
    only_deleted = f"?subscription__id__exact={problems['deleted'].pk}"
    assert rows(staff_client, "deadletter", only_deleted) == {problems["dead_deleted"].pk}
    by_type = "?event_type=client.created&status=dead"
    assert rows(staff_client, "deadletter", by_type) == {problems["dead_created"].pk}
    assert rows(staff_client, "deadletter", "?dead_at__isnull=True") == failed


def test_replay_across_pages_replays_what_the_filters_match(staff_client, problems):
    query = f"?subscription__id__exact={problems['created'].pk}"
    # As the browser sends it: the ticked rows of the page, and "select all" across pages.
    response = act(
        staff_client, "deadletter", "replay", [problems["dead_created"]], query, select_across="1"
    )
    assert run_announced_job(response).total == 2
    statuses = dict(Delivery.objects.values_list("pk", "status"))
    assert statuses[problems["dead_created"].pk] == DeliveryStatus.PENDING
    assert statuses[problems["failed_created"].pk] == DeliveryStatus.PENDING
    assert statuses[problems["dead_deleted"].pk] == DeliveryStatus.DEAD


def test_event_delivery_and_dead_letter_pages_render_with_their_data(staff_client, problems):
    dead, failed = problems["dead_created"], problems["failed_created"]
    attempt = dead.attempt_log.get()
    pages = {
        f"{ADMIN}/event/": [f"{ADMIN}/event/{dead.event_id}/change/", "client.deleted"],
        f"{ADMIN}/event/{dead.event_id}/change/": [
            f"{ADMIN}/delivery/{dead.pk}/change/",
            "<pre>{\n  &quot;name&quot;: &quot;Ada&quot;\n}</pre>",
        ],
        f"{ADMIN}/delivery/": [f"{ADMIN}/delivery/{dead.pk}/change/", str(dead.pk)],
        f"{ADMIN}/delivery/{dead.pk}/change/": [
            "HTTP 400",
            attempt.response_body,
            f"&quot;webhook-id&quot;: &quot;{dead.pk}&quot;",
            f"{ADMIN}/subscription/{problems['created'].pk}/change/",
        ],
        f"{ADMIN}/deadletter/": [f"{ADMIN}/deadletter/{failed.pk}/change/", "HTTP 503"],
        f"{ADMIN}/deadletter/{dead.pk}/change/": ["HTTP 400", str(dead.event_id)],
    }
    for url, expected in pages.items():
        response = staff_client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        for text in expected:
            assert text in html, (url, text)
        assert problems["created"].secret not in html


def test_outbox_rows_cannot_be_added_changed_or_deleted_here(staff_client, problems):
    dead = problems["dead_created"]
    assert staff_client.get(f"{ADMIN}/event/add/").status_code == 403
    assert staff_client.get(f"{ADMIN}/deadletter/add/").status_code == 403
    assert staff_client.get(f"{ADMIN}/delivery/{dead.pk}/delete/").status_code == 403
    page = staff_client.get(f"{ADMIN}/delivery/{dead.pk}/change/")
    assert page.context["has_change_permission"] is False
    choices = staff_client.get(f"{ADMIN}/delivery/").context["action_form"].fields["action"].choices
    assert [name for name, _label in choices if name] == ["replay"]


@pytest.mark.parametrize("model", ["subscription", "event", "delivery", "deadletter"])
def test_changelists_make_no_query_per_row(staff_client, tenant, receiver, model):
    make_subscription(tenant=tenant, url=receiver.url, events=["client.created"])

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert staff_client.get(f"{ADMIN}/{model}/").status_code == 200
        return len(captured)

    delivered(tenant, receiver, 400)
    few = queries()
    other = TenantFactory()
    make_subscription(tenant=other, url=receiver.url, events=["client.created"])
    for _ in range(3):
        delivered(tenant, receiver, 400)
        delivered(other, receiver, 400)
    assert queries() == few
