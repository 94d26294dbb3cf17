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
import statistics
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
WARM_UP_SECONDS = 3
# The production server (Procfile, docker-compose.yml) and its settings, the same for every
# system: granian's WSGI interface, worker processes each with a pool of blocking threads.
SERVER = [str(ROOT / ".venv" / "bin" / "granian"), "--interface", "wsgi", "--http", "1",
          "--no-ws", "--log-level", "warning"]  # fmt: skip


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


def prepare(env: dict) -> dict[str, str]:
    """The hub's registration, and another of the same tenant whose rows the floor inserts."""
    ensure_database(DATABASE)
    flush_redis(REDIS_URL)
    subprocess.run([PY, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    ids = django_snippet(
        "import json\n"
        "from tenants.services import get_or_create_tenant\n"
        "from webhooks.inbound.models import WebhookRegistration as R\n"
        "tenant, _ = get_or_create_tenant(slug='ingest-bench')\n"
        "found = list(R.objects.filter(tenant=tenant, provider='github').order_by('created_at'))\n"
        "while len(found) < 2:\n"
        "    found.append(R.objects.create(tenant=tenant, provider='github', event_types=['*'], "
        f"secret={SECRET!r}))\n"
        "print(json.dumps({'tenant': str(tenant.id), 'hub': str(found[0].id), "
        "'floor': str(found[1].id)}))",
        env,
    )
    return json.loads(ids)


def forget_floor_rows(registration: str) -> None:
    """The floor's rows are not the hub's backlog: processing drains only what the hub took."""
    import psycopg

    with psycopg.connect(f"{PG}/{DATABASE}", autocommit=True) as conn:
        conn.execute(
            "DELETE FROM webhooks_inboundevent WHERE registration_id = %s", (registration,)
        )


def prepare_tables() -> None:
    """Empty tables: TRUNCATE, not DELETE, which would leave every earlier run's rows as dead
    tuples bloating the table and its indexes (this PostgreSQL runs without autovacuum)."""
    import psycopg

    with psycopg.connect(f"{PG}/{DATABASE}", autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS ingest_floor (id uuid PRIMARY KEY, "
            "dedupe_key text UNIQUE NOT NULL, body bytea NOT NULL, "
            "received_at timestamptz NOT NULL DEFAULT now())"
        )
        conn.execute("TRUNCATE ingest_floor, webhooks_inboundevent")


def checkpoint() -> None:
    """Flush the previous system's writes now, so that no checkpoint lands in a measurement."""
    import psycopg

    with psycopg.connect(f"{PG}/{DATABASE}", autocommit=True) as conn:
        conn.execute("CHECKPOINT")


def wait_port(port: int, *, alive, timeout: float = 30.0) -> None:
    """Wait for a server to listen; ``alive()`` exits the run as soon as it died instead."""
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        alive()
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit(f"nothing listens on {port}")


def server_settings(args) -> list[str]:
    """The same server settings for the floor and the hub (see the README for the choice)."""
    return ["--workers", str(args.workers), "--blocking-threads", str(args.threads)]


def serve(processes: Processes, label: str, app: str, port: int, env: dict, args):
    argv = [*SERVER, "--host", "127.0.0.1", "--port", str(port), *server_settings(args), app]
    proc = processes.start(label, argv, cwd=ROOT if label == "hub" else BENCH / "ingest", env=env)
    wait_port(port, alive=lambda: processes.check_alive(proc))
    return proc


def measure(url: str, *, args, body: bytes, processes: Processes) -> dict:
    """Warm up (every worker booted, connections open, code paths loaded), then measure: a
    server's start-up is not its request path, and both systems get the same warm-up. A
    server that died meanwhile ends the run, named, rather than its figures."""
    checkpoint()
    try:
        processes.check_alive()
        wrk(url, seconds=WARM_UP_SECONDS, connections=args.connections, body=body)
        return wrk(url, seconds=args.seconds, connections=args.connections, body=body)
    finally:
        processes.check_alive()


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
    # wrk leaves requests it gave up on (2 s) out of its latencies: count them as failures.
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {
        "rate": rate,
        "p99_ms": p99,
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": sum(int(n) for n in socket.groups()) if socket else 0,
    }


def _ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(\w+)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def drain(processes: Processes, env: dict) -> tuple[int, float]:
    """Start the processing workers on the stored backlog; time from the first task sent
    until none is pending (the workers' own start-up is left out)."""
    backlog = pending()
    flush_redis(REDIS_URL)  # the wake-ups queued during ingest: the timed kick starts the work
    argv = [str(ROOT / ".venv" / "bin" / "celery"), "--app", "config", "worker", "--loglevel",
            "INFO", "--concurrency", "2", "--without-gossip", "--without-mingle"]  # fmt: skip
    worker = processes.start("worker", argv, cwd=ROOT, env={**env, "LOG_LEVEL": "INFO"})

    def alive() -> None:
        processes.check_alive(worker)

    wait_for_log(processes.log_path("worker"), "ready.", alive=alive)
    kick = (
        "import time\n"
        "from webhooks.inbound.tasks import process_inbound_events as t\n"
        "print(time.time())\n"
        "for _ in range(2): t.delay()"
    )
    start = float(django_snippet(kick, env))
    while pending() > 0:
        alive()
        time.sleep(0.05)
    elapsed = time.time() - start
    processes.stop(worker)
    return backlog, elapsed


def pending() -> int:
    import psycopg

    with psycopg.connect(f"{PG}/{DATABASE}") as conn:
        sql = "SELECT count(*) FROM webhooks_inboundevent WHERE status = 'pending'"
        return conn.execute(sql).fetchone()[0]


def wait_for_log(path: Path, text: str, *, alive, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        alive()
        if path.exists() and text in path.read_text(errors="replace"):
            return
        time.sleep(0.1)
    raise SystemExit(f"{path.name} never said {text!r}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3, help="floor and hub, alternately")
    parser.add_argument("--workers", type=int, default=2, help="server processes, every app")
    parser.add_argument("--threads", type=int, default=4, help="threads a process, every app")
    args = parser.parse_args()
    body = (ROOT / "tests" / "fixtures" / "github" / "push.json").read_bytes()
    hub_port, floor_port, bare_port = 18801, 18802, 18803
    env = hub_env(hub_port)
    ids = prepare(env)
    prepare_tables()
    floor_env = {**env, "FLOOR_DATABASE_URL": f"{PG}/{DATABASE}", "FLOOR_TENANT_ID": ids["tenant"],
                 "FLOOR_REGISTRATION_ID": ids["floor"]}  # fmt: skip
    urls = {
        "bare": f"http://127.0.0.1:{bare_port}/",
        "floor": f"http://127.0.0.1:{floor_port}/",
        "hub": f"http://127.0.0.1:{hub_port}/webhooks/{ids['hub']}",
    }
    processes = Processes(Path(tempfile.mkdtemp(prefix="bench-ingest-")))
    try:
        serve(processes, "bare", "floor_app:bare_application", bare_port, floor_env, args)
        serve(processes, "floor", "floor_app:application", floor_port, floor_env, args)
        serve(processes, "hub", "config.wsgi:application", hub_port, env, args)
        bare = measure(urls["bare"], args=args, body=body, processes=processes)
        rounds = [
            {
                key: measure(urls[key], args=args, body=body, processes=processes)
                for key in round_order(n)
            }
            for n in range(args.rounds)
        ]
        processes.stop_all()
        forget_floor_rows(ids["floor"])
        backlog, seconds = drain(processes, env)
    finally:
        processes.stop_all()
    return report(bare, rounds, backlog, seconds, args)


def round_order(n: int) -> tuple[str, str]:
    """Floor first, then hub first, and so on: a machine getting slower or faster during the
    run, and the events table growing, weigh on both systems alike."""
    return ("floor", "hub") if n % 2 == 0 else ("hub", "floor")


def report(bare: dict, rounds: list[dict], backlog: int, seconds: float, args) -> int:
    drain_rate = backlog / seconds if seconds else 0.0
    shares = [r["hub"]["rate"] / r["floor"]["rate"] if r["floor"]["rate"] else 0.0 for r in rounds]
    share = statistics.median(shares)
    hubs = [r["hub"] for r in rounds]
    print(
        f"\nwrk -t2 -c{args.connections} -d{args.seconds}s after a {WARM_UP_SECONDS}s warm-up; "
        f"granian {' '.join(server_settings(args))} (every system); floor and hub alternately"
    )
    print(f"bare insert (reference only: the body into a 3-column table) {_row(bare)}")
    print(
        f"{'round':<7}{'floor (the hub insert)':<43}{'switchboard /webhooks/<id>':<43}{'share':>6}"
    )
    for n, (run, run_share) in enumerate(zip(rounds, shares, strict=True), start=1):
        print(f"{n:<7}{_row(run['floor']):<43}{_row(run['hub']):<43}{run_share:>6.2f}")
    print(
        "floor: a bare WSGI app making the hub's INSERT (same table, columns, JSON, indexes and "
        "foreign keys)"
    )
    print(f"share of the floor: median {share:.2f} (rounds {min(shares):.2f}-{max(shares):.2f})")
    print(f"processing drained {backlog} events in {seconds:.1f}s: {drain_rate:.1f} events/s")
    checks = {
        f">= {TARGET_SHARE} of the floor (median of the rounds)": share >= TARGET_SHARE,
        f">= {TARGET_RATE:.0f} req/s (every round)": min(h["rate"] for h in hubs) >= TARGET_RATE,
        f"p99 <= {TARGET_P99_MS:.0f} ms (every round)": max(h["p99_ms"] for h in hubs)
        <= TARGET_P99_MS,
        "drains at least as fast as ingest": drain_rate >= max(h["rate"] for h in hubs),
        "every request answered 2xx": all(h["non_2xx"] == h["socket_errors"] == 0 for h in hubs),
    }
    for name, ok in checks.items():
        print(f"target {name}: {'met' if ok else 'NOT met'}")
    summary = {"bare": bare, "rounds": rounds, "median_share": round(share, 3)}
    print(json.dumps({**summary, "drain_events_per_s": round(drain_rate, 1)}))
    return 0


def _row(run: dict) -> str:
    failed = run["non_2xx"] + run["socket_errors"]
    return f"{run['rate']:7.1f} req/s  p99 {run['p99_ms']:6.2f} ms  failed {failed}"


if __name__ == "__main__":
    sys.exit(main())
