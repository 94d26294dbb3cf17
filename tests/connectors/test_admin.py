"""The connectors admin, driven through a staff session like an operator would: the catalog,
connection forms and actions, connector calls with replay, and the circuit breakers, against
real PostgreSQL, Redis and a local HTTP server standing in for a provider's API host."""

from __future__ import annotations

import json
import socket
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.contrib.auth.models import Permission
from django.db import connection as db
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from connectors import breaker
from connectors.calls.execute import execute
from connectors.connections import create_connection
from connectors.models import CallStatus, Connection, ConnectionStatus, ConnectorCall
from connectors.providers import all_definitions
from connectors.testing import check_connection
from tests.factories import StaffUserFactory, TenantFactory
from tests.jobs import run_announced_job

pytestmark = pytest.mark.django_db

ADMIN = "/admin/connectors"
BOT_TOKEN = "xoxb-1111-secret-bot-token"
SIGNING_SECRET = "slack-signing-secret-2222"


class ApiHost:
    """A provider's API host on 127.0.0.1: answers every GET with ``status``, records headers."""

    def __init__(self) -> None:
        self.status = 200
        self.requests: list[dict[str, str]] = []
        host = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                host.requests.append({k.lower(): v for k, v in self.headers.items()})
                self.send_response(host.status)
                self.send_header("Location", "http://127.0.0.1:9/elsewhere")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture
def api_host():
    host = ApiHost()
    thread = threading.Thread(target=host.server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield host
    host.server.shutdown()
    host.server.server_close()
    thread.join()


@pytest.fixture
def closed_port_url() -> str:
    """A local URL nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def slack(tenant, api_host) -> Connection:
    """A complete Slack connection whose API host is ``api_host``."""
    return create_connection(
        tenant=tenant,
        connector="slack",
        name="Team Slack",
        config={"default_channel": "#ops"},
        credentials={"bot_token": BOT_TOKEN, "signing_secret": SIGNING_SECRET},
        base_url=api_host.url,
    )


def act(client: Client, model: str, action: str, selected, query: str = ""):
    """Run a changelist action on the ``selected`` instances and follow to the result page."""
    data = {"action": action, "_selected_action": [str(row.pk) for row in selected]}
    return client.post(f"{ADMIN}/{model}/{query}", data, follow=True)


def shown_messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def rows(client: Client, model: str, query: str = "") -> set:
    response = client.get(f"{ADMIN}/{model}/{query}")
    assert response.status_code == 200
    return {row.pk for row in response.context["cl"].result_list}


def html(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


# --- Catalog ----------------------------------------------------------------------------------


def test_the_catalog_lists_every_connector_with_a_page_each(staff_client):
    page = html(staff_client, f"{ADMIN}/catalog/")
    definitions = all_definitions()
    assert len(definitions) == 12
    for definition in definitions:
        assert f'href="{ADMIN}/catalog/{definition.code}/"' in page
        assert f">{definition.name}</a>" in page
    index = html(staff_client, f"{ADMIN}/")
    assert f'href="{ADMIN}/catalog/"' in index and f'href="{ADMIN}/breaker/"' in index


def test_a_catalog_page_shows_the_fields_capabilities_and_events(staff_client):
    page = html(staff_client, f"{ADMIN}/catalog/slack/")
    for text in (
        "Post messages to channels",
        "default_channel",
        "Channel for notifications",
        "bot_token",
        "Bot user OAuth token",
        "signing_secret",
        "chat.postMessage",
        "Post a message to a channel",
        "app_mention",
        f'href="{ADMIN}/connection/add/?connector=slack"',
    ):
        assert text in page, text
    salesforce = html(staff_client, f"{ADMIN}/catalog/salesforce/")
    assert "instance_url" in salesforce and "contact.upsert" in salesforce
    assert "None: this connector only receives webhooks." in html(
        staff_client, f"{ADMIN}/catalog/github/"
    )
    assert staff_client.get(f"{ADMIN}/catalog/nope/").status_code == 404


def test_the_catalog_is_read_only_and_staff_only(staff_client):
    assert staff_client.get(f"{ADMIN}/catalog/add/").status_code == 404
    assert staff_client.post(f"{ADMIN}/catalog/", {"action": "delete_selected"}).status_code == 405
    anonymous = Client().get(f"{ADMIN}/catalog/")
    assert anonymous.status_code == 302 and "/admin/login/" in anonymous["Location"]


# --- Connections ------------------------------------------------------------------------------


def connection_form(**fields) -> dict:
    return {"name": "", "base_url": "", "config": "{}", "credentials": "", **fields}


def test_adding_a_connection_encrypts_the_credentials_and_never_shows_them(staff_client, tenant):
    credentials = {"bot_token": BOT_TOKEN, "signing_secret": SIGNING_SECRET}
    response = staff_client.post(
        f"{ADMIN}/connection/add/",
        connection_form(
            tenant=tenant.pk,
            connector="slack",
            config='{"default_channel": "#ops"}',
            credentials=json.dumps(credentials),
        ),
        follow=True,
    )
    assert response.status_code == 200
    connection = Connection.objects.get()
    assert connection.tenant == tenant and connection.name == "Slack"  # the connector's name
    assert connection.credentials == credentials
    assert connection.config == {"default_channel": "#ops"}
    with db.cursor() as cursor:
        cursor.execute(
            "SELECT config, credentials FROM connectors_connection WHERE id = %s", [connection.pk]
        )
        raw_config, raw_credentials = cursor.fetchone()
    for plaintext in (BOT_TOKEN, SIGNING_SECRET, "bot_token"):
        assert plaintext not in raw_credentials
    assert "#ops" not in raw_config
    change = f"{ADMIN}/connection/{connection.pk}/change/"
    for url in (f"{ADMIN}/connection/", change, f"{ADMIN}/connection/add/"):
        page = html(staff_client, url)
        assert BOT_TOKEN not in page and SIGNING_SECRET not in page, url
    assert "bot_token: set, signing_secret: set" in html(staff_client, change)
    assert BOT_TOKEN not in response.content.decode()


TYPED = "tok-sekret-9"


@pytest.mark.parametrize(
    ("fields", "field", "error"),
    [
        ({"connector": "slack", "credentials": f'{{"signing_secret": "{TYPED}"}}'},
         "credentials", "bot_token is required"),
        ({"connector": "salesforce", "credentials": f'{{"access_token": "{TYPED}"}}'},
         "config", "instance_url is required"),
        ({"connector": "slack", "credentials": f'{{"bot_token": "t", "password": "{TYPED}"}}'},
         "credentials", "password is not a field of this connector"),
        ({"connector": "slack", "credentials": f'["{TYPED}"]'}, "credentials", "JSON object"),
        ({"connector": "slack", "credentials": f'{{"bot_token": "{TYPED}"'}, "credentials",
         "valid JSON"),
        ({"connector": "nope", "credentials": f'{{"bot_token": "{TYPED}"}}'}, "connector",
         "nope"),
    ],
)  # fmt: skip
def test_the_add_form_names_the_missing_or_wrong_field_and_writes_nothing(
    staff_client, tenant, fields, field, error
):
    response = staff_client.post(
        f"{ADMIN}/connection/add/", connection_form(tenant=tenant.pk, **fields)
    )
    assert response.status_code == 200
    assert error in " ".join(response.context["adminform"].form.errors[field])
    assert not Connection.objects.exists()
    assert TYPED not in response.content.decode()  # what was typed is not echoed back


def test_the_add_form_refuses_a_duplicate_name_and_a_private_base_url(
    staff_client, tenant, slack, settings
):
    form = connection_form(
        tenant=tenant.pk, connector="slack", name="Team Slack", credentials='{"bot_token": "t"}'
    )
    response = staff_client.post(f"{ADMIN}/connection/add/", form)
    assert "already exists" in str(response.context["adminform"].form.errors)
    settings.OUTBOUND_ALLOW_PRIVATE_TARGETS = False
    form.update(name="Other", base_url="http://127.0.0.1:9/api")
    response = staff_client.post(f"{ADMIN}/connection/add/", form)
    assert "loopback" in " ".join(response.context["adminform"].form.errors["base_url"])
    assert list(Connection.objects.all()) == [slack]


def change_form(connection: Connection, **fields) -> dict:
    return {
        "name": connection.name,
        "status": connection.status,
        "base_url": connection.base_url,
        "config": json.dumps(connection.config),
        "replace_credentials": "",
        **fields,
    }


def test_replacing_credentials_merges_and_blank_keeps_them(staff_client, slack):
    change = f"{ADMIN}/connection/{slack.pk}/change/"
    new_token = "xoxb-3333-new-bot-token"
    staff_client.post(
        change, change_form(slack, replace_credentials=f'{{"bot_token": "{new_token}"}}')
    )
    slack.refresh_from_db()
    assert slack.credentials == {"bot_token": new_token, "signing_secret": SIGNING_SECRET}
    staff_client.post(change, change_form(slack, name="Renamed", config="{}"))
    slack.refresh_from_db()
    assert slack.name == "Renamed" and slack.config == {}  # a config key left out is removed
    assert slack.credentials == {"bot_token": new_token, "signing_secret": SIGNING_SECRET}
    staff_client.post(change, change_form(slack, replace_credentials='{"signing_secret": null}'))
    slack.refresh_from_db()
    assert slack.credentials == {"bot_token": new_token}
    page = html(staff_client, change)
    assert new_token not in page and "bot_token: set, signing_secret: not set" in page


def test_the_change_form_refuses_removing_a_required_credential(staff_client, slack):
    response = staff_client.post(
        f"{ADMIN}/connection/{slack.pk}/change/",
        change_form(slack, name="Renamed", replace_credentials='{"bot_token": null}'),
    )
    errors = response.context["adminform"].form.errors
    assert "bot_token is required" in " ".join(errors["replace_credentials"])
    slack.refresh_from_db()
    assert slack.name == "Team Slack" and slack.credentials["bot_token"] == BOT_TOKEN


def test_test_connection_reports_a_complete_and_an_incomplete_connection(
    staff_client, tenant, slack, api_host
):
    # Stored before a required field existed, say: the services would refuse to create it.
    incomplete = Connection.objects.create(
        tenant=tenant, connector="slack", name="Old Slack", credentials={}, base_url=api_host.url
    )
    response = act(staff_client, "connection", "test_connections", [slack, incomplete])
    levels = {str(m): m.level_tag for m in response.context["messages"]}
    (ready,) = [m for m in levels if m.startswith("Team Slack")]
    assert f"{api_host.url} answered HTTP 200" in ready and "ready for chat.postMessage" in ready
    assert levels[ready] == "success"
    (broken,) = [m for m in levels if m.startswith("Old Slack")]
    assert "incomplete: bot_token is required (credentials.bot_token)" in broken
    assert levels[broken] == "error"
    # One GET, for the complete connection only, and no credential in it.
    (request,) = api_host.requests
    assert "authorization" not in request and BOT_TOKEN not in json.dumps(request)


def test_checking_a_connection_reaches_its_api_host_through_the_guard(
    tenant, slack, api_host, closed_port_url, settings
):
    api_host.status = 302
    check = check_connection(connection=slack)
    assert check.ok and check.status_code == 302 and len(api_host.requests) == 1  # not followed
    api_host.status = 503
    check = check_connection(connection=slack)
    assert not check.ok and check.detail == f"{api_host.url} answered HTTP 503"
    slack.base_url = closed_port_url
    check = check_connection(connection=slack)
    assert not check.ok and check.detail == f"{closed_port_url} unreachable: ConnectionError"
    settings.OUTBOUND_ALLOW_PRIVATE_TARGETS = False
    slack.base_url = api_host.url
    check = check_connection(connection=slack)
    assert not check.ok and "refused" in check.detail and "loopback" in check.detail
    assert len(api_host.requests) == 2
    google = create_connection(
        tenant=tenant, connector="google", config={"service_account_email": "a@b.iam"}
    )
    check = check_connection(connection=google)
    assert check.ok and check.detail == (
        "fields complete, no API host to reach; "
        "ready (no outbound capabilities: inbound webhooks only)"
    )


def test_disable_and_enable_actions(staff_client, slack):
    response = act(staff_client, "connection", "disable", [slack])
    assert shown_messages(response) == ["Disabled 1 connection(s)."]
    slack.refresh_from_db()
    assert slack.status == ConnectionStatus.DISABLED
    assert rows(staff_client, "connection", "?status__exact=disabled") == {slack.pk}
    act(staff_client, "connection", "enable", [slack])
    slack.refresh_from_db()
    assert slack.status == ConnectionStatus.ACTIVE


def test_disabling_in_the_admin_says_how_many_waiting_calls_failed(staff_client, slack):
    call = execute(slack, "chat.postMessage", {"text": "later"}, "k-1").call
    response = act(staff_client, "connection", "disable", [slack])
    assert shown_messages(response) == [
        "Disabled 1 connection(s); 1 waiting call(s) failed unsent (replay them once re-enabled)."
    ]
    call.refresh_from_db()
    assert call.status == CallStatus.FAILED and "connection disabled" in call.error


def test_the_connection_list_filters_and_searches(staff_client, tenant, slack):
    other = TenantFactory()
    zapier = create_connection(
        tenant=other, connector="zapier", credentials={"webhook_url": "https://hooks.zapier.com/x"}
    )
    assert rows(staff_client, "connection") == {slack.pk, zapier.pk}
    assert rows(staff_client, "connection", "?connector=zapier") == {zapier.pk}
    assert rows(staff_client, "connection", f"?tenant__id__exact={tenant.pk}") == {slack.pk}
    assert rows(staff_client, "connection", "?q=team") == {slack.pk}


# --- Connector calls --------------------------------------------------------------------------


def make_call(connection: Connection, key: str, status: str, capability: str, **fields):
    return ConnectorCall.objects.create(
        tenant=connection.tenant,
        connection=connection,
        key=key,
        connector=connection.connector,
        capability_id=capability,
        request_hash="0" * 64,
        payload={"text": f"call {key}"},
        status=status,
        **fields,
    )


@pytest.fixture
def calls(tenant, slack) -> dict[str, ConnectorCall]:
    zapier = create_connection(
        tenant=TenantFactory(),
        connector="zapier",
        credentials={"webhook_url": "https://hooks.zapier.com/x"},
    )
    found = {
        "failed": make_call(
            slack, "k-failed", CallStatus.FAILED, "chat.postMessage",
            attempts=5, retries=4, error="slack answered HTTP 500: oops",
            response={"ok": False, "error": "internal_error"}, finished_at=timezone.now(),
        ),
        "succeeded": make_call(
            slack, "k-ok", CallStatus.SUCCEEDED, "chat.postMessage", attempts=1,
            response={"ok": True}, finished_at=timezone.now(),
        ),
        "zap_failed": make_call(
            zapier, "z-failed", CallStatus.FAILED, "trigger", attempts=5, retries=4,
            error="zapier answered HTTP 410",
        ),
        "pending": make_call(zapier, "z-pending", CallStatus.PENDING, "trigger"),
    }  # fmt: skip
    old = timezone.now() - timedelta(days=30)
    ConnectorCall.objects.filter(pk=found["pending"].pk).update(created_at=old)
    return found


def test_the_calls_changelist_filters_narrow_the_rows(staff_client, tenant, calls):
    ids = {name: call.pk for name, call in calls.items()}
    assert rows(staff_client, "connectorcall") == set(ids.values())
    assert rows(staff_client, "connectorcall", "?status__exact=failed") == {
        ids["failed"],
        ids["zap_failed"],
    }
    assert rows(staff_client, "connectorcall", "?connector=slack") == {
        ids["failed"],
        ids["succeeded"],
    }
    assert rows(staff_client, "connectorcall", "?capability_id=trigger&status__exact=failed") == {
        ids["zap_failed"]
    }
    assert rows(staff_client, "connectorcall", f"?tenant__id__exact={tenant.pk}") == {
        ids["failed"],
        ids["succeeded"],
    }
    assert rows(staff_client, "connectorcall", date_filter(staff_client, "Past 7 days")) == {
        ids["failed"],
        ids["succeeded"],
        ids["zap_failed"],
    }
    assert rows(staff_client, "connectorcall", "?q=z-pending") == {ids["pending"]}
    assert rows(staff_client, "connectorcall", f"?q={ids['failed']}") == {ids["failed"]}
    assert rows(staff_client, "connectorcall", "?q=not-a-uuid-or-key") == set()


def date_filter(client: Client, label: str) -> str:
    """The query string of the created-date filter's choice ``label``, as the page links it."""
    changelist = client.get(f"{ADMIN}/connectorcall/").context["cl"]
    (spec,) = [spec for spec in changelist.filter_specs if spec.title == "created at"]
    (choice,) = [c for c in spec.choices(changelist) if c["display"] == label]
    return choice["query_string"]


def test_a_call_page_shows_its_payload_response_and_error(staff_client, calls):
    failed = calls["failed"]
    page = html(staff_client, f"{ADMIN}/connectorcall/{failed.pk}/change/")
    assert "<pre>{\n  &quot;text&quot;: &quot;call k-failed&quot;\n}</pre>" in page
    assert "&quot;error&quot;: &quot;internal_error&quot;" in page
    assert "slack answered HTTP 500: oops" in page
    assert BOT_TOKEN not in page


def test_replay_turns_failed_calls_pending_and_leaves_the_others(staff_client, calls):
    selected = [calls["failed"], calls["zap_failed"], calls["succeeded"]]
    response = act(staff_client, "connectorcall", "replay", selected)
    (message,) = shown_messages(response)
    assert message.startswith("Replaying the failed ones among 3 selected calls runs in the")
    assert ConnectorCall.objects.get(pk=calls["failed"].pk).status == CallStatus.FAILED  # not yet
    job = run_announced_job(response)
    assert job.kind == "connector_calls.replay"
    assert (job.status, job.total, job.done, job.skipped) == ("succeeded", 3, 2, 1)
    for name in ("failed", "zap_failed"):
        call = ConnectorCall.objects.get(pk=calls[name].pk)
        assert call.status == CallStatus.PENDING and call.attempts == 0 and call.retries == 0
        assert call.error == "" and call.response is None and call.finished_at is None
        assert call.next_attempt_at is not None and call.enqueued_at is not None
    succeeded = ConnectorCall.objects.get(pk=calls["succeeded"].pk)
    assert succeeded.status == CallStatus.SUCCEEDED and succeeded.response == {"ok": True}


def test_calls_cannot_be_added_changed_or_deleted_here(staff_client, calls):
    failed = calls["failed"]
    assert staff_client.get(f"{ADMIN}/connectorcall/add/").status_code == 403
    assert staff_client.get(f"{ADMIN}/connectorcall/{failed.pk}/delete/").status_code == 403
    page = staff_client.get(f"{ADMIN}/connectorcall/{failed.pk}/change/")
    assert page.context["has_change_permission"] is False
    choices = (
        staff_client.get(f"{ADMIN}/connectorcall/").context["action_form"].fields["action"].choices
    )
    assert [name for name, _label in choices if name] == ["replay"]


@pytest.mark.parametrize("model", ["connection", "connectorcall"])
def test_changelists_make_no_query_per_row(staff_client, slack, model):
    def queries() -> int:
        with CaptureQueriesContext(db) as captured:
            assert staff_client.get(f"{ADMIN}/{model}/").status_code == 200
        return len(captured)

    make_call(slack, "first", CallStatus.FAILED, "chat.postMessage")
    few = queries()
    for n in range(3):
        other = create_connection(
            tenant=TenantFactory(), connector="slack", credentials={"bot_token": "t"}
        )
        make_call(other, f"more-{n}", CallStatus.FAILED, "chat.postMessage")
    assert queries() == few


# --- Circuit breakers -------------------------------------------------------------------------


@pytest.fixture
def small_breaker(settings):
    settings.CONNECTOR_BREAKER_MIN_CALLS = 2
    settings.CONNECTOR_BREAKER_FAILURE_RATE = 0.5


@pytest.fixture
def two_tenants_slack(tenant, slack) -> tuple[Connection, Connection]:
    """Tenant A's Slack connection (``slack``) and another tenant's, each with its breaker."""
    other = create_connection(
        tenant=TenantFactory(name="Other Org"), connector="slack", name="Their Slack",
        credentials={"bot_token": "xoxb-other"},
    )  # fmt: skip
    return slack, other


def _open(connection: Connection) -> None:
    for _ in range(2):
        breaker.record(str(connection.id), success=False)


def test_the_breaker_page_lists_each_connection_and_reset_closes_only_its_breaker(
    staff_client, small_breaker, two_tenants_slack
):
    mine, theirs = two_tenants_slack
    _open(mine)
    _open(theirs)
    page = html(staff_client, f"{ADMIN}/breaker/")
    assert f'<tr id="breaker-{mine.id}" class="breaker-open">' in page
    assert f'<tr id="breaker-{theirs.id}" class="breaker-open">' in page
    assert "Other Org" in page and "Their Slack" in page and "Team Slack" in page
    assert "2 of 2 breakers open or half-open." in page
    response = staff_client.post(f"{ADMIN}/breaker/{mine.id}/reset/", follow=True)
    assert shown_messages(response) == [
        f"Reset the circuit breaker of {mine.tenant.slug}'s connection Team Slack "
        "(slack; it was open)."
    ]
    page = response.content.decode()
    assert f'<tr id="breaker-{mine.id}" class="breaker-closed">' in page
    assert f'<tr id="breaker-{theirs.id}" class="breaker-open">' in page  # untouched
    # Open ones are listed first.
    assert page.index(f"breaker-{theirs.id}") < page.index(f"breaker-{mine.id}")
    snapshot = breaker.snapshot(str(mine.id))
    assert snapshot.state is breaker.State.CLOSED and snapshot.calls == 0
    assert breaker.snapshot(str(theirs.id)).state is breaker.State.OPEN
    unknown = staff_client.post(f"{ADMIN}/breaker/00000000-0000-0000-0000-000000000000/reset/")
    assert unknown.status_code == 404


def test_reset_is_a_csrf_protected_post_for_staff_allowed_to(small_breaker, slack):
    _open(slack)
    reset = f"{ADMIN}/breaker/{slack.id}/reset/"
    viewer = StaffUserFactory(is_superuser=False)
    viewer.user_permissions.add(Permission.objects.get(codename="view_breaker"))
    client = Client(enforce_csrf_checks=True)
    client.force_login(viewer)
    page = html(client, f"{ADMIN}/breaker/")
    assert "breaker-open" in page and 'value="Reset"' not in page
    assert client.get(reset).status_code == 405
    assert client.post(reset).status_code == 403  # no CSRF token
    token = client.cookies["csrftoken"].value
    forbidden = client.post(reset, HTTP_X_CSRFTOKEN=token)
    assert forbidden.status_code == 403  # no reset permission
    assert breaker.snapshot(str(slack.id)).state is breaker.State.OPEN
    viewer.user_permissions.add(Permission.objects.get(codename="reset_breaker"))
    done = client.post(reset, HTTP_X_CSRFTOKEN=token)
    assert done.status_code == 302
    assert breaker.snapshot(str(slack.id)).state is breaker.State.CLOSED
