"""`make bench-sync`: a 50,000-contact backfill from the sandbox CRM, in records/s.

The sandbox (`manage.py run_sandbox --seed-count N`, its own process) serves N contacts. Two
figures from the same run, over the same pages of the same API:

- floor: paging through every contact with the poller's own client and cursor, applying
  nothing (what the provider API and HTTP cost);
- hub: the real poll (`crm_sync.services.polling.poll`): each page's contacts deduplicated,
  merged and written as clients with their external references and `client.created` outbox
  events, the cursor committed with each page.

    python bench/sync.py [--contacts 50000] [--provider hubspot|salesforce|dynamics]
                         [--page-size 100]

Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust) and Redis on 127.0.0.1:6379. Uses
its own database (switchboard_bench_sync, created when missing; its CRM rows are cleared
first) and Redis DB 8. Not run in CI.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(ROOT))

from outbound import PG, REDIS, Processes, ensure_database  # noqa: E402

DATABASE = "switchboard_bench_sync"
CONFIG = {
    "hubspot": {},
    "salesforce": {"instance_url": "https://bench.my.salesforce.com"},
    "dynamics": {"organization_url": "https://bench.crm.dynamics.com"},
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _environment() -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": f"{PG}/{DATABASE}",
        "REDIS_URL": f"{REDIS}/8",
        "OUTBOUND_ALLOW_PRIVATE_TARGETS": "true",
        "LOG_LEVEL": "WARNING",
    }


def start_sandbox(processes: Processes, contacts: int) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    command = [sys.executable, "manage.py", "run_sandbox", "--port", str(port)]
    command += ["--seed-count", str(contacts)]
    process = processes.start("sandbox", command, cwd=ROOT, env=_environment())
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        processes.check_alive(process)  # a sandbox that died ends the run at once, named
        try:
            with urllib.request.urlopen(f"{base}/_sandbox/stats", timeout=2) as answer:
                json.load(answer)
                return process, base
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"sandbox did not start within 120 s; see {processes.log_path('sandbox')}")


def prepare_database() -> None:
    ensure_database(DATABASE)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "--verbosity", "0"],
        cwd=ROOT,
        env=_environment(),
        check=True,
    )


def bench_connection(provider: str, base_url: str, page_size: int):
    from connectors.connections import create_connection
    from crm_sync.services import profiles
    from tenants.models import Tenant

    Tenant.objects.filter(slug="bench-sync").delete()  # cascades to its clients and runs
    tenant = Tenant.objects.create(slug="bench-sync", name="bench-sync")
    connection = create_connection(
        tenant=tenant,
        connector=provider,
        name=f"bench {provider}",
        config=CONFIG[provider],
        credentials={"access_token": "sandbox-token"},
        base_url=base_url,
    )
    profiles.update_settings(connection=connection, changes={"page_size": page_size})
    return connection


def floor(connection, page_size: int) -> tuple[int, float]:
    """Page through everything with the poller's client, applying nothing."""
    from crm_sync.remote import RemoteApi, adapter_for

    adapter, api, cursor = (
        adapter_for(connection.connector),
        RemoteApi.for_connection(connection),
        {},
    )
    seen: set[str] = set()
    started = time.perf_counter()
    while True:
        page = adapter.fetch_page(api=api, cursor=cursor, page_size=page_size)
        seen.update(contact.external_id for contact in page.contacts)
        cursor = page.cursor
        if page.done:
            return len(seen), time.perf_counter() - started


def hub(connection) -> tuple[object, float]:
    from crm_sync.services.polling import poll

    started = time.perf_counter()
    run = poll(connection=connection)
    return run, time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contacts", type=int, default=50_000)
    parser.add_argument("--provider", choices=sorted(CONFIG), default="hubspot")
    parser.add_argument("--page-size", type=int, default=100)
    args = parser.parse_args()

    prepare_database()
    os.environ.update(_environment())
    import django

    django.setup()
    processes = Processes(Path(tempfile.mkdtemp(prefix="bench-sync-")))
    try:
        sandbox, base = start_sandbox(processes, args.contacts)
        try:
            connection = bench_connection(args.provider, f"{base}/{args.provider}", args.page_size)
            floor_records, floor_seconds = floor(connection, args.page_size)
            run, hub_seconds = hub(connection)
        finally:
            processes.check_alive(sandbox)  # a sandbox that died mid-run is the error to show
    finally:
        processes.stop_all()
    return report(args, run, floor_records, floor_seconds, hub_seconds)


def report(args, run, floor_records: int, floor_seconds: float, hub_seconds: float) -> int:
    from crm_sync.models import Client

    clients = Client.objects.filter(tenant__slug="bench-sync")
    distinct = clients.values("email").distinct().count()
    hub_records = run.created + run.updated + run.unchanged
    floor_rate, hub_rate = floor_records / floor_seconds, hub_records / hub_seconds
    print(f"\nbench-sync: {args.contacts:,} {args.provider} contacts, pages of {args.page_size}")
    print(f"{'':34}{'records':>10}{'seconds':>10}{'records/s':>12}")
    for label, records, seconds in (
        ("floor (API paging, no writes)", floor_records, floor_seconds),
        ("Switchboard poll (backfill)", hub_records, hub_seconds),
    ):
        print(f"{label:34}{records:>10,}{seconds:>10.1f}{records / seconds:>12,.0f}")
    print(f"share of the floor: {hub_rate / floor_rate:.2f}")
    complete = run.status == "succeeded" and clients.count() == distinct == args.contacts
    print(
        f"run {run.status}: {run.pages} pages, {run.created:,} created, {run.failed} failed; "
        f"{clients.count():,} clients ({distinct:,} distinct emails) - "
        + ("complete" if complete else "INCOMPLETE")
    )
    return 0 if complete else 1


if __name__ == "__main__":
    sys.exit(main())
