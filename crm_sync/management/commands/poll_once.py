"""Seed 000's polling worker: one batch (one run, until caught up or ``--pages``) for one
connection, reading POLL_PROVIDER, POLL_PROVIDER_BASE, POLL_PROVIDER_TOKEN and TENANT_ID
where the options don't say. Shows progress on a terminal."""

from __future__ import annotations

import copy
import os
import sys
import time

from django.core.management.base import BaseCommand, CommandError

from connectors.models import Connection, ConnectionStatus
from crm_sync.models import RunStatus, SyncRun
from crm_sync.remote import POLLING_PROVIDERS, RemoteApi
from crm_sync.services.polling import PollLimits, poll
from tenants.models import Tenant


class Command(BaseCommand):
    help = "Poll one CRM connection once (seed 000's worker)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--provider", default=os.environ.get("POLL_PROVIDER", ""))
        parser.add_argument("--connection", help="connection id (default: the tenant's one)")
        parser.add_argument("--tenant", default=os.environ.get("TENANT_ID", ""))
        parser.add_argument("--pages", type=int, help="stop after this many pages")

    def handle(self, *args, **options) -> None:
        provider = options["provider"]
        if provider not in POLLING_PROVIDERS:
            raise CommandError(
                f"--provider (or POLL_PROVIDER) must be one of {', '.join(POLLING_PROVIDERS)}"
            )
        connection = self._connection(provider, options["connection"], options["tenant"])
        api = RemoteApi.for_connection(_with_overrides(connection))
        progress = _Progress(self.stdout) if sys.stdout.isatty() else None
        run = poll(
            connection=connection,
            trigger="manual",
            api=api,
            limits=PollLimits(max_pages=options["pages"]),
            progress=progress,
        )
        if progress:
            progress.done()
        summary = (
            f"{run.status}: {run.pages} page(s), {run.created} created, {run.updated} updated, "
            f"{run.unchanged} unchanged, {run.conflicts} conflict(s), {run.failed} failed"
        )
        if run.status != RunStatus.SUCCEEDED:
            raise CommandError(f"{summary}. {run.error}")
        self.stdout.write(summary)

    def _connection(self, provider: str, connection_id: str | None, tenant_ref: str) -> Connection:
        found = Connection.objects.filter(connector=provider, status=ConnectionStatus.ACTIVE)
        if connection_id:
            found = found.filter(pk=connection_id)
        if tenant_ref:
            tenant = Tenant.objects.filter(slug=tenant_ref).first() or _by_id(tenant_ref)
            if tenant is None:
                raise CommandError(f"no tenant {tenant_ref!r} (TENANT_ID takes an id or a slug)")
            found = found.filter(tenant=tenant)
        matches = list(found[:2])
        if len(matches) != 1:
            what = "no" if not matches else "more than one"
            raise CommandError(f"{what} active {provider} connection matches; pass --connection ID")
        return matches[0]


def _by_id(value: str) -> Tenant | None:
    try:
        return Tenant.objects.filter(pk=value).first()
    except (ValueError, TypeError):
        return None


def _with_overrides(connection: Connection) -> Connection:
    """POLL_PROVIDER_BASE and POLL_PROVIDER_TOKEN for this run only, on a copy never saved."""
    connection = copy.copy(connection)
    base, token = os.environ.get("POLL_PROVIDER_BASE"), os.environ.get("POLL_PROVIDER_TOKEN")
    if base:
        connection.base_url = base
    if token:
        connection.credentials = {**connection.credentials, "access_token": token}
    return connection


class _Progress:
    WIDTH = 30

    def __init__(self, out) -> None:
        self.out, self.started = out, time.monotonic()

    def __call__(self, run: SyncRun) -> None:
        records = run.created + run.updated + run.unchanged + run.failed
        rate = records / max(time.monotonic() - self.started, 1e-6)
        filled = run.pages % (self.WIDTH + 1)
        bar = "#" * filled + "-" * (self.WIDTH - filled)
        self.out.write(
            f"\r[{bar}] page {run.pages}  {records} records  {rate:,.0f}/s  "
            f"(+{run.created} ~{run.updated} ={run.unchanged} !{run.failed})",
            ending="",
        )
        self.out.flush()

    def done(self) -> None:
        self.out.write("")
