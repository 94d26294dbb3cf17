"""``make bench-ingest``: wrk against ``POST /webhooks/<id>`` with valid GitHub signatures and
unique delivery ids, beside a bare WSGI app doing the same one-row insert into the same
PostgreSQL (the floor); then how fast processing drains the backlog ingest left."""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
from outbound import PG, REDIS, Processes, ensure_database, flush_redis  # noqa: E402

DATABASE = "switchboard_ingest_bench"
REDIS_URL = f"{REDIS}/11"
SECRET = "ingest-bench-secret-0123456789"
PY = str(ROOT / ".venv" / "bin" / "python")
TARGET_RATE, TARGET_SHARE, TARGET_P99_MS = 1200.0, 0.7, 25.0


def hub_env(port: int) -> dict[str, str]:
    key = base64.urlsafe_b64encode(hashlib.sha256(b"ingest-bench").digest()).decode()
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "false",
        "SECRET_KEY": "ingest-bench-" + "x" * 40,
        "FIELD_ENCRYPTION_KEYS": key,
        "DATABASE_URL": f"{PG}/{DATABASE}",
        "REDIS_URL": REDIS_URL,
        "ALLOWED_HOSTS": "*",
        "LOG_LEVEL": "WARNING",
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "INBOUND_RATE_LIMIT_PER_SECOND": "1000000",
        "CACHE_KEY_PREFIX": "ingest-bench",
    }


def django_snippet(code: str, env: dict) -> str:
    script = "import django\ndjango.setup()\n" + code
    done = subprocess.run([PY, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(done.stderr)
    return done.stdout.strip()


def prepare(env: dict) -> str:
    ensure_database(DATABASE)
    flush_redis(REDIS_URL)
    subprocess.run([PY, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    return django_snippet(
        "from tenants.services import get_or_create_tenant\n"
        "from webhooks.inbound.models import InboundEvent, WebhookRegistration\n"
        "InboundEvent.objects.all().delete()\n"
        "tenant, _ = get_or_create_tenant(slug='ingest-bench')\n"
        "r = WebhookRegistration.objects.filter(tenant=tenant, provider='github').first() or "
        "WebhookRegistration.objects.create(tenant=tenant, provider='github', "
        f"event_types=['*'], secret={SECRET!r})\n"
        "print(r.id)",
        env,
    )


def prepare_floor() -> None:
    import psycopg

    with psycopg.connect(f"{PG}/{DATABASE}", autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS ingest_floor (id uuid PRIMARY KEY, "
            "dedupe_key text UNIQUE NOT NULL, body bytea NOT NULL, "
            "received_at timestamptz NOT NULL DEFAULT now())"
        )
        conn.execute("TRUNCATE ingest_floor")


def wait_port(port: int, timeout: float = 30.0) -> None:
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit(f"nothing listens on {port}")


def gunicorn(processes: Processes, label: str, app: str, port: int, env: dict, workers: int):
    argv = [str(ROOT / ".venv" / "bin" / "gunicorn"), app, "--bind", f"127.0.0.1:{port}",
            "--workers", str(workers), "--log-level", "warning"]  # fmt: skip
    proc = processes.start(label, argv, cwd=ROOT if label == "hub" else BENCH / "ingest", env=env)
    wait_port(port)
    return proc


def wrk(url: str, *, seconds: int, connections: int, body: bytes) -> dict:
    signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    env = {**os.environ, "BENCH_BODY": body.decode(), "BENCH_SIGNATURE": signature,
           "BENCH_RUN": uuid.uuid4().hex[:8]}  # fmt: skip
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency",
         "-s", str(BENCH / "ingest" / "github.lua"), url],
        env=env, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = _ms(re.search(r"99%\s+([\d.]+\w+)", out).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rate": rate, "p99_ms": p99, "non_2xx": int(non_2xx.group(1)) if non_2xx else 0}


def _ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(\w+)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def drain(processes: Processes, env: dict) -> tuple[int, float]:
    """Start the processing workers on the stored backlog; time until none is pending."""
    count = (
        "from webhooks.inbound.models import InboundEvent as E\n"
        "print(E.objects.filter(status='pending').count())"
    )
    backlog = int(django_snippet(count, env))
    argv = [str(ROOT / ".venv" / "bin" / "celery"), "--app", "config", "worker", "--loglevel",
            "WARNING", "--concurrency", "2", "--without-gossip", "--without-mingle"]  # fmt: skip
    worker = processes.start("worker", argv, cwd=ROOT, env=env)
    start = time.monotonic()
    kick = (
        "from webhooks.inbound.tasks import process_inbound_events as t\n"
        "for _ in range(2): t.delay()"
    )
    django_snippet(kick, env)
    while int(django_snippet(count, env)) > 0:
        time.sleep(0.5)
    elapsed = time.monotonic() - start
    processes.stop(worker)
    return backlog, elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers, both apps")
    args = parser.parse_args()
    body = (ROOT / "tests" / "fixtures" / "github" / "push.json").read_bytes()
    hub_port, floor_port = 18801, 18802
    env = hub_env(hub_port)
    registration = prepare(env)
    prepare_floor()
    processes = Processes(Path(tempfile.mkdtemp(prefix="bench-ingest-")))
    try:
        gunicorn(processes, "floor", "floor_app:application", floor_port,
                 {**env, "FLOOR_DATABASE_URL": f"{PG}/{DATABASE}"}, args.workers)  # fmt: skip
        floor = wrk(f"http://127.0.0.1:{floor_port}/", seconds=args.seconds,
                    connections=args.connections, body=body)  # fmt: skip
        gunicorn(processes, "hub", "config.wsgi", hub_port, env, args.workers)
        hub = wrk(f"http://127.0.0.1:{hub_port}/webhooks/{registration}", seconds=args.seconds,
                  connections=args.connections, body=body)  # fmt: skip
        processes.stop_all()
        backlog, seconds = drain(processes, env)
    finally:
        processes.stop_all()
    return report(floor, hub, backlog, seconds, args)


def report(floor: dict, hub: dict, backlog: int, seconds: float, args) -> int:
    drain_rate = backlog / seconds if seconds else 0.0
    print(f"\nwrk -t2 -c{args.connections} -d{args.seconds}s; gunicorn {args.workers} workers")
    print(f"{'system':<28}{'req/s':>10}{'p99 ms':>10}{'non-2xx':>10}")
    for name, row in (("floor (bare WSGI insert)", floor), ("switchboard /webhooks/<id>", hub)):
        print(f"{name:<28}{row['rate']:>10.1f}{row['p99_ms']:>10.2f}{row['non_2xx']:>10}")
    share = hub["rate"] / floor["rate"] if floor["rate"] else 0.0
    print(f"share of the floor: {share:.2f}")
    print(f"processing drained {backlog} events in {seconds:.1f}s: {drain_rate:.1f} events/s")
    checks = {
        f">= {TARGET_SHARE} of the floor": share >= TARGET_SHARE,
        f">= {TARGET_RATE:.0f} req/s": hub["rate"] >= TARGET_RATE,
        f"p99 <= {TARGET_P99_MS:.0f} ms": hub["p99_ms"] <= TARGET_P99_MS,
        "drains at least as fast as ingest": drain_rate >= hub["rate"],
        "every request answered 2xx": hub["non_2xx"] == 0,
    }
    for name, ok in checks.items():
        print(f"target {name}: {'met' if ok else 'NOT met'}")
    print(json.dumps({"floor": floor, "hub": hub, "drain_events_per_s": round(drain_rate, 1)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
