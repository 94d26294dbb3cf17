"""Every unique rule of the project's models, and how a request that repeats a row is answered.

The rules are read from the models (``unique=True`` fields, ``unique_together``,
``UniqueConstraint``): each one is driven through every API endpoint and admin form that can
repeat a row (a 409 ``conflict`` or a 400, naming the field; a form error in the admin), or is
answered by design with the stored row (idempotency and dedupe keys), or is listed as out of a
request's reach with the reason. A new rule fails ``test_every_unique_rule_is_accounted_for``
until someone decides which.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import models
from rest_framework.test import APIClient

from connectors.connections import create_connection
from connectors.models import Connection, ConnectorCall, IntegrationEvent
from connectors.sandbox import webhooks as signers
from crm_sync.models import Client
from crm_sync.services import clients
from tenants.models import Tenant
from tests.admin_pages import form_data, form_errors
from tests.factories import TenantFactory
from webhooks.inbound import registry
from webhooks.inbound.models import InboundEvent, WebhookRegistration
from webhooks.outbound.models import Event

pytestmark = pytest.mark.django_db
BOT = {"bot_token": "xoxb-t"}
PROJECT_APPS = ["core", "tenants", "connectors", "webhooks", "crm_sync"]


def project_rules() -> set[str]:
    """``app.Model.<field>`` for unique fields, ``app.Model.<a+b>`` for unique_together and
    ``app.Model.<name>`` for UniqueConstraints. A primary key the database or a uuid4 default
    generates is left out: no request chooses it."""
    found = set()
    for app in PROJECT_APPS:
        for model in apps.get_app_config(app).get_models():
            opts = model._meta
            if opts.proxy:
                continue
            prefix = f"{opts.app_label}.{model.__name__}"
            for field in opts.local_concrete_fields:
                if field.unique and not (field.primary_key and _generated(field)):
                    found.add(f"{prefix}.{field.name}")
            found |= {f"{prefix}.{'+'.join(names)}" for names in opts.unique_together}
            found |= {
                f"{prefix}.{constraint.name}"
                for constraint in opts.constraints
                if isinstance(constraint, models.UniqueConstraint)
            }
    return found


def _generated(field: models.Field) -> bool:
    return isinstance(field, models.AutoField | models.BigAutoField) or field.has_default()


NOT_REACHABLE = {
    "core.WorkerHeartbeat.hostname": (
        "written only by Celery workers' heartbeat thread (update_or_create by hostname); "
        "no admin page or API shows it"
    ),
    "tenants.ApiKey.key_digest": "the SHA-256 of a random key issue_api_key generates",
    "webhooks.WebhookRegistration.one_provider_endpoint_per_tenant": (
        "provider-endpoint rows are made only by the receive path (provider_endpoint."
        "_endpoint_row takes a concurrent writer's row on IntegrityError); the API registers "
        "kind=registration only and the admin can't add a registration or change its kind"
    ),
    "webhooks.Delivery.one_delivery_per_pair": (
        "written by publish's fan-out, one per subscription of a new event; replays update it"
    ),
    "crm_sync.ExternalReference.external_id_per_connection": (
        "written by the sync workers (pull retries on a concurrent writer's IntegrityError); "
        "read-only in the API and the admin"
    ),
    "crm_sync.SyncProfile.connection": (
        "the primary key: profiles.profile_for makes it with get_or_create; the admin can't "
        "add one and the API only updates it"
    ),
    "crm_sync.SyncProfile.periodic_task": "set by profiles.sync_schedule; read-only in the admin",
    "crm_sync.SyncRun.one_running_poll_per_connection": (
        "a run turns running in the worker (runs.begin skips it on IntegrityError); requests "
        "only queue runs"
    ),
    "crm_sync.Conflict.one_open_conflict_per_reference": (
        "opened by the sync workers' merge (update_or_create); the admin and API only resolve"
    ),
    "connectors.Breaker.connector": "no table (managed = False): rows come from the connections",
    "connectors.Catalog.code": "no table (managed = False): rows come from the catalog",
}


# -- the ways a request can repeat a row -------------------------------------------------------


@pytest.fixture
def ctx(api_client, staff_client, tenant):
    slack = create_connection(tenant=tenant, connector="slack", name="Team Slack", credentials=BOT)
    return SimpleNamespace(api=api_client, admin=staff_client, tenant=tenant, slack=slack)


def assert_refused(response, field: str) -> None:
    """A 409 ``conflict`` (or a 400) naming the field, in the API's shape or seed 002's."""
    body = response.json()
    assert response.status_code in (400, 409), (response.status_code, body)
    if "success" in body:
        assert body["success"] is False and field in body["details"], body
    else:
        assert body["code"] == ("conflict" if response.status_code == 409 else "invalid")
        assert field in body["errors"], body


def assert_form_refused(page, label: str) -> None:
    """The admin page comes back (200) with an error that names the field."""
    assert page.status_code == 200, page.status_code
    assert label in form_errors(page), form_errors(page)


def admin_resubmit(ctx, url: str, **changes):
    """The admin page at ``url`` submitted as rendered, with ``changes``."""
    return ctx.admin.post(url, {**form_data(ctx.admin.get(url)), **changes})


def connection_api_create(ctx):
    body = {"connector": "slack", "name": "Team Slack", "credentials": {"bot_token": "t"}}
    assert_refused(ctx.api.post("/api/v1/connections", body, format="json"), "name")
    assert_once(Connection.objects.filter(name="Team Slack"))


def connection_api_rename(ctx):
    other = create_connection(tenant=ctx.tenant, connector="slack", name="Other", credentials=BOT)
    url = f"/api/v1/connections/{other.id}"
    assert_refused(ctx.api.patch(url, {"name": "Team Slack"}, format="json"), "name")


def connection_seed_002_install(ctx):
    body = {"operation": "INSTALL", "connector_code": "slack", "name": "Team Slack"}
    body["installation_config"] = {"bot_token": "t"}
    assert_refused(ctx.api.post("/api/v2/integrations/connectors", body, format="json"), "name")
    assert_once(Connection.objects.filter(name="Team Slack"))


def connection_admin_add(ctx):
    page = admin_resubmit(
        ctx,
        "/admin/connectors/connection/add/",
        tenant=ctx.tenant.pk,
        connector="slack",
        name="Team Slack",
        credentials='{"bot_token": "t"}',
    )
    assert_form_refused(page, "name")
    assert_once(Connection.objects.filter(name="Team Slack"))


def connection_admin_rename(ctx):
    other = create_connection(tenant=ctx.tenant, connector="slack", name="Other", credentials=BOT)
    page = admin_resubmit(
        ctx, f"/admin/connectors/connection/{other.id}/change/", name="Team Slack"
    )
    assert_form_refused(page, "name")
    assert_once(Connection.objects.filter(name="Team Slack"))


def assert_once(rows) -> None:
    assert rows.count() == 1, list(rows)


def _two_clients(ctx) -> Client:
    clients.create_client(tenant=ctx.tenant, values={"email": "ada@example.com"})
    return clients.create_client(tenant=ctx.tenant, values={"email": "grace@example.com"})


def client_api_create(ctx):
    _two_clients(ctx)
    body = {"email": "ADA@example.com"}
    assert_refused(ctx.api.post("/api/v1/clients", body, format="json"), "email")
    assert_once(Client.objects.filter(email="ada@example.com"))


def client_api_update(ctx):
    grace = _two_clients(ctx)
    body = {"email": "ada@example.com"}
    assert_refused(ctx.api.patch(f"/api/v1/clients/{grace.id}", body, format="json"), "email")
    assert_once(Client.objects.filter(email="ada@example.com"))


def client_admin_add(ctx):
    _two_clients(ctx)
    page = admin_resubmit(
        ctx, "/admin/crm_sync/client/add/", tenant=ctx.tenant.pk, email="Ada@example.com"
    )
    assert_form_refused(page, "email")
    assert_once(Client.objects.filter(email="ada@example.com"))


def client_admin_change(ctx):
    grace = _two_clients(ctx)
    url = f"/admin/crm_sync/client/{grace.id}/change/"
    assert_form_refused(admin_resubmit(ctx, url, email="ada@example.com"), "email")
    assert_once(Client.objects.filter(email="ada@example.com"))


def tenant_admin_add(ctx):
    page = admin_resubmit(ctx, "/admin/tenants/tenant/add/", slug=ctx.tenant.slug, name="Again")
    assert_form_refused(page, "slug")
    assert_once(Tenant.objects.filter(slug=ctx.tenant.slug))


def tenant_admin_change(ctx):
    other = TenantFactory()
    url = f"/admin/tenants/tenant/{other.id}/change/"
    assert_form_refused(admin_resubmit(ctx, url, slug=ctx.tenant.slug), "slug")
    assert_once(Tenant.objects.filter(slug=ctx.tenant.slug))


# A repeat under the same key is the same request: the stored row answers, nothing is added.


def connector_call_same_key(ctx):
    url = f"/api/v1/connections/{ctx.slack.id}/execute/chat.postMessage"
    first = ctx.api.post(url, {"text": "hi"}, format="json", HTTP_IDEMPOTENCY_KEY="k")
    again = ctx.api.post(url, {"text": "hi"}, format="json", HTTP_IDEMPOTENCY_KEY="k")
    other = ctx.api.post(url, {"text": "bye"}, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert first.status_code == 202
    assert again.json()["code"] == "call_in_progress"  # 409 while the first is in flight
    assert other.json()["code"] == "idempotency_key_reused"  # 422: another request, same key
    assert ConnectorCall.objects.count() == 1


def integration_event_same_key(ctx):
    body = {"event_type": "lead_generated", "connector_code": "linkedin", "idempotency_key": "k"}
    url = "/api/v2/integrations/events"
    assert ctx.api.post(url, body, format="json").status_code == 201
    again = ctx.api.post(url, body, format="json")
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert IntegrationEvent.objects.count() == 1


def event_same_key(ctx):
    body = {"event_type": "client.created", "payload": {"id": "1"}, "idempotency_key": "k"}
    first = ctx.api.post("/api/v1/events", body, format="json")
    again = ctx.api.post("/api/v1/events", body, format="json")
    assert first.status_code == again.status_code == 202
    assert first.json()["id"] == again.json()["id"]
    assert Event.objects.filter(idempotency_key="k").count() == 1


def inbound_event_same_delivery(ctx):
    registry._cache.clear()
    registration = WebhookRegistration.objects.create(
        tenant=ctx.tenant, provider="github", event_types=["*"], secret="s3cret-s3cret"
    )
    signed = signers.github_request(
        f"http://testserver/webhooks/{registration.id}", "s3cret-s3cret", {"zen": "hi"}
    )
    headers = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in signed.headers.items()}
    headers.pop("HTTP_CONTENT_TYPE", None)
    for _ in range(2):
        response = APIClient().generic(
            "POST", f"/webhooks/{registration.id}", signed.body, "application/json", **headers
        )
        assert 200 <= response.status_code < 300, response.status_code
    assert InboundEvent.objects.filter(registration=registration).count() == 1
    registry._cache.clear()


DRIVEN = {
    "connectors.Connection.connection_name_per_tenant": [
        connection_api_create,
        connection_api_rename,
        connection_seed_002_install,
        connection_admin_add,
        connection_admin_rename,
    ],
    "crm_sync.Client.client_email_per_tenant": [
        client_api_create,
        client_api_update,
        client_admin_add,
        client_admin_change,
    ],
    "tenants.Tenant.slug": [tenant_admin_add, tenant_admin_change],
    "connectors.ConnectorCall.connector_call_key_per_tenant": [connector_call_same_key],
    "connectors.IntegrationEvent.integration_event_key_per_tenant": [integration_event_same_key],
    "webhooks.Event.event_idempotency_key_unique_per_tenant": [event_same_key],
    "webhooks.InboundEvent.inbound_event_once_per_registration": [inbound_event_same_delivery],
}


def test_every_unique_rule_is_accounted_for():
    found = project_rules()
    assert not set(DRIVEN) & set(NOT_REACHABLE)
    assert found - set(DRIVEN) - set(NOT_REACHABLE) == set(), "new rule: drive it or list it"
    assert set(DRIVEN) | set(NOT_REACHABLE) <= found, "a listed rule is gone: drop it"


@pytest.mark.parametrize(
    "drive", [pytest.param(d, id=d.__name__) for drives in DRIVEN.values() for d in drives]
)
def test_a_repeated_row_is_answered_never_a_500(ctx, drive):
    drive(ctx)


def test_a_concurrent_duplicate_is_a_409_too(ctx, monkeypatch):
    """The check passed, then a concurrent request committed the same name first: the
    database's unique violation is answered as the check's would be."""
    monkeypatch.setattr("connectors.connections.ensure_unique", lambda instance: None)
    body = {"connector": "slack", "name": "Team Slack", "credentials": {"bot_token": "t"}}
    response = ctx.api.post("/api/v1/connections", body, format="json")
    assert response.status_code == 409, response.content
    assert response.json()["errors"] == {"name": ["Connection with this name already exists."]}
    monkeypatch.setattr("crm_sync.services.clients.ensure_unique", lambda instance: None)
    client_api_create(ctx)
