"""`manage.py poll_once`, seed 000's worker, as a real process: one batch, and a SIGKILL in
the middle of a run that the next run recovers from with no gaps and no duplicates."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

from crm_sync.models import Client, RunStatus, SyncRun
from crm_sync.services.polling import poll
from tests.subprocess_django import ROOT
from tests.waiting import wait_until
from tests.worker import _database_url

pytestmark = pytest.mark.django_db(transaction=True)


def test_poll_once_runs_one_batch_and_reports_it(tenant, connect, capsys):
    connection = connect(tenant, "hubspot")
    call_command("poll_once", provider="hubspot", connection=str(connection.id), pages=2)
    out = capsys.readouterr().out
    assert out.startswith("succeeded: 2 page(s), ") and "0 failed" in out
    assert f"{Client.objects.count()} created" in out and Client.objects.count() >= 190


def test_poll_once_reads_seed_000s_environment(tenant, connect, sandbox, monkeypatch):
    connect(tenant, "salesforce")
    monkeypatch.setenv("POLL_PROVIDER", "salesforce")
    monkeypatch.setenv("TENANT_ID", tenant.slug)
    monkeypatch.setenv("POLL_PROVIDER_TOKEN", "00Dsandbox-override")
    call_command("poll_once")
    assert Client.objects.count() == 250
    [request] = sandbox.state.requests("salesforce")[:1]
    headers = {name.lower(): value for name, value in request.headers.items()}
    assert headers["authorization"] == "Bearer 00Dsandbox-override"


def test_poll_once_names_what_is_missing(db):
    with pytest.raises(CommandError, match="POLL_PROVIDER"):
        call_command("poll_once", provider="")
    with pytest.raises(CommandError, match="no active hubspot connection"):
        call_command("poll_once", provider="hubspot")


def test_a_sigkilled_poll_resumes_with_no_gaps_and_no_duplicates(
    tenant, connect, sandbox, settings
):
    connection = connect(tenant, "dynamics", page_size=20)
    sandbox.state.faults.set("dynamics", latency_ms=150)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEST_", "DJANGO_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=_database_url(),
        REDIS_URL=settings.REDIS_URL,
        OUTBOUND_ALLOW_PRIVATE_TARGETS="true",
    )
    command = [sys.executable, "manage.py", "poll_once", "--provider", "dynamics"]
    process = subprocess.Popen([*command, "--connection", str(connection.id)], cwd=ROOT, env=env)
    try:
        wait_until(lambda: SyncRun.objects.filter(connection=connection, pages__gte=3).exists(), 60)
    finally:
        process.kill()  # SIGKILL, also when the wait fails: no poll outlives the test
        process.wait(timeout=10)
    committed = Client.objects.filter(tenant=tenant).count()
    assert 50 <= committed < 250
    sandbox.state.faults.clear()
    settings.CRM_SYNC_RUN_LEASE_SECONDS = 0
    resumed = poll(connection=connection)
    assert resumed.status == RunStatus.SUCCEEDED and resumed.created == 250 - committed
    emails = list(Client.objects.filter(tenant=tenant).values_list("email", flat=True))
    assert len(emails) == len(set(emails)) == 250
