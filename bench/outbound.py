"""`make bench-outbound`: outbound webhook throughput and latency, Switchboard vs django-webhook.

N events fanned out to M subscriptions, delivered by real Celery workers to a fast local
receiver (bench/receiver.py, its own process). For each system: deliveries/s from the first
publish to the last receipt, and p50/p99 of (receipt - publish) per delivery. The same load
then goes through django-webhook (PyPI) in bench/.venv-peer with the same worker pool and
concurrency, and the ratio is printed with the targets (>= 500 deliveries/s, >= 3x).

    python bench/outbound.py [--events 1000] [--subscriptions 5] [--publishers 2]
                             [--pool threads] [--concurrency 8] [--worker-processes 2]
                             [--only switchboard|django-webhook] [--switchboard-root DIR]

Workers default to 2 `celery worker` processes, each `--pool threads --concurrency 8`: the
best for Switchboard of those tried on 2 cores (prefork 2 and 4, threads 8 and 16 in one
process); django-webhook gets exactly the same. --switchboard-root measures another checkout
(e.g. a git worktree with a change) with this one's venv. Duplicate requests, lost broker
messages (another process flushing Redis) and rows not marked succeeded are reported.

Needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust) and Redis on 127.0.0.1:6379. Uses
its own databases (switchboard_bench, django_webhook_bench, created when missing) and Redis
DBs 14 and 13 (flushed). Not run in CI.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

from stats import Figures, figures, table  # noqa: E402

PG = "postgres://postgres@127.0.0.1:5432"
REDIS = "redis://127.0.0.1:6379"
TARGET_RATE = 500.0
TARGET_RATIO = 3.0


def _venv_bin(venv: Path, name: str) -> str:
    return str(venv / "bin" / name)


@dataclass
class System:
    """How to prepare, load and run the workers of one system."""

    name: str
    python: str
    celery: str
    cwd: Path
    load_script: Path
    celery_app: str
    database: str
    redis_url: str
    env: dict[str, str] = field(default_factory=dict)

    def run_env(self) -> dict[str, str]:
        return {**os.environ, "PYTHONUNBUFFERED": "1", **self.env}


def switchboard_system(root: Path) -> System:
    """Switchboard from ``root`` (this checkout by default; another one, e.g. a git worktree
    with a change to compare, through --switchboard-root), run with this checkout's venv."""
    venv = ROOT / ".venv"
    database = "switchboard_bench"
    redis_url = f"{REDIS}/14"
    fernet_key = base64.urlsafe_b64encode(os.urandom(32)).decode()
    return System(
        name="switchboard",
        python=_venv_bin(venv, "python") if (venv / "bin").exists() else sys.executable,
        celery=_venv_bin(venv, "celery") if (venv / "bin").exists() else "celery",
        cwd=root,
        load_script=BENCH / "switchboard_load.py",
        celery_app="config",
        database=database,
        redis_url=redis_url,
        env={
            "SWITCHBOARD_ROOT": str(root),
            "PYTHONPATH": str(root),  # before the venv's editable install of this checkout
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": f"{PG}/{database}",
            "REDIS_URL": redis_url,
            "CELERY_BROKER_URL": redis_url,
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "FIELD_ENCRYPTION_KEYS": fernet_key,
            "OUTBOUND_ALLOW_PRIVATE_TARGETS": "true",
            "LOG_LEVEL": "WARNING",
            "ALLOWED_HOSTS": "*",
        },
    )


def peer_system() -> System:
    venv = BENCH / ".venv-peer"
    database = "django_webhook_bench"
    redis_url = f"{REDIS}/13"
    return System(
        name="django-webhook",
        python=_venv_bin(venv, "python"),
        celery=_venv_bin(venv, "celery"),
        cwd=BENCH / "peer",
        load_script=BENCH / "peer" / "load.py",
        celery_app="peer_project",
        database=database,
        redis_url=redis_url,
        env={
            "DJANGO_SETTINGS_MODULE": "peer_project.settings",
            "PEER_DB_NAME": database,
            "PEER_REDIS_URL": redis_url,
            "LOG_LEVEL": "WARNING",
        },
    )


# --- processes ------------------------------------------------------------------------------


class Processes:
    """Every long-running child, each in its own process group, stopped on exit."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.running: list[tuple[str, subprocess.Popen]] = []

    def log_path(self, label: str) -> Path:
        return self.log_dir / f"{label}.log"

    def check_alive(self, *procs: subprocess.Popen) -> None:
        """Exit naming the first of ``procs`` (by default every running child) that has died,
        with the end of its log: waiting on a dead worker or server would only time out."""
        for label, proc in self.running:
            if (not procs or proc in procs) and proc.poll() is not None:
                log = self.log_path(label)
                tail = "\n".join(log.read_text(errors="replace").splitlines()[-30:])
                raise SystemExit(
                    f"{label} died (exit code {proc.returncode}); the end of {log}:\n{tail}"
                )

    def start(self, label: str, argv: list[str], *, cwd: Path, env: dict) -> subprocess.Popen:
        log = open(self.log_path(label), "wb")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen(
            argv, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        self.running.append((label, proc))
        return proc

    def stop(self, proc: subprocess.Popen, *, grace: float = 15.0) -> None:
        if proc.poll() is None:
            _signal_group(proc, signal.SIGTERM)
            try:
                proc.wait(grace)
            except subprocess.TimeoutExpired:
                _signal_group(proc, signal.SIGKILL)
                proc.wait()
        else:
            _signal_group(proc, signal.SIGKILL)  # children a finished leader may have left
        self.running = [(label, p) for label, p in self.running if p is not proc]

    def stop_all(self) -> None:
        for _, proc in reversed(list(self.running)):
            self.stop(proc, grace=10.0)


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, sig)


def run_load(system: System, *args: str) -> dict:
    """Run the system's load script (setup / publish / verify) and return its JSON answer."""
    done = subprocess.run(
        [system.python, str(system.load_script), *args],
        cwd=system.cwd,
        env=system.run_env(),
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise SystemExit(f"{system.name} {args[0]} failed:\n{done.stdout}\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- the receiver ---------------------------------------------------------------------------


class Receiver:
    def __init__(self, processes: Processes, log_dir: Path) -> None:
        ready = log_dir / "receiver.port"
        self.proc = processes.start(
            "receiver",
            [sys.executable, str(BENCH / "receiver.py"), "--ready-file", str(ready)],
            cwd=BENCH,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        deadline = time.monotonic() + 10
        while not ready.exists():
            processes.check_alive(self.proc)
            if time.monotonic() > deadline:
                raise SystemExit("the receiver did not start; see " + str(log_dir))
            time.sleep(0.05)
        self.base = f"http://127.0.0.1:{ready.read_text().strip()}"

    def url(self, system: str) -> str:
        return f"{self.base}/hooks/{system}"

    def _get(self, path: str):
        with urllib.request.urlopen(self.base + path, timeout=30) as response:
            return json.load(response)

    def count(self) -> int:
        return self._get("/_bench/count")["distinct"]

    def dump(self) -> list[list]:
        return self._get("/_bench/dump")

    def reset(self) -> None:
        self._get("/_bench/reset")

    def wait_for(self, expected: int, *, timeout: float, label: str, alive, abort_if=None) -> bool:
        """Poll until ``expected`` deliveries arrived; ``alive()`` exits the run when a worker
        or the receiver died meanwhile."""
        deadline = time.monotonic() + timeout
        while True:
            alive()
            seen = self.count()
            if seen >= expected:
                return True
            if time.monotonic() > deadline:
                print(f"  {label}: timed out with {seen}/{expected} deliveries received")
                return False
            if abort_if is not None and abort_if():
                print(f"  {label}: aborted with {seen}/{expected} deliveries received")
                return False
            time.sleep(0.1)


# --- preparing the backing services ---------------------------------------------------------


def ensure_database(name: str) -> None:
    import psycopg  # the project's venv has it

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def flush_redis(url: str) -> None:
    import redis  # the project's venv has it

    redis.Redis.from_url(url).flushdb()


def pg_sessions(database: str) -> int:
    """Connections ever opened to ``database`` (PostgreSQL >= 14), to show connection churn."""
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        row = conn.execute(
            "SELECT sessions FROM pg_stat_database WHERE datname = %s", [database]
        ).fetchone()
    return int(row[0]) if row else 0


SENTINEL = "bench-outbound:sentinel"


def set_sentinel(url: str) -> None:
    import redis

    redis.Redis.from_url(url).set(SENTINEL, "1")


def sentinel_survived(url: str) -> bool:
    """False when something flushed the broker's Redis DB during the run (another process's
    FLUSHALL, or a FLUSHDB of this DB): queued tasks were lost, the figures are void."""
    import redis

    return bool(redis.Redis.from_url(url).exists(SENTINEL))


def other_redis_clients(url: str) -> list[str]:
    """Other connections to the broker's Redis DB: a stray worker there would steal tasks."""
    import redis

    client = redis.Redis.from_url(url)
    me = client.client_id()
    db = client.connection_pool.connection_kwargs.get("db", 0)
    return [
        f"{c.get('addr')} ({c.get('name') or c.get('cmd')})"
        for c in client.client_list()
        if int(c.get("db", -1)) == db and int(c["id"]) != me
    ]


def prepare(system: System) -> None:
    ensure_database(system.database)
    done = subprocess.run(
        [system.python, "manage.py", "migrate", "--noinput", "--verbosity", "0"],
        cwd=system.cwd,
        env=system.run_env(),
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise SystemExit(f"{system.name}: migrate failed:\n{done.stdout}\n{done.stderr}")
    strays = other_redis_clients(system.redis_url)
    if strays:
        raise SystemExit(
            f"{system.name}: other clients are connected to {system.redis_url} (a stray worker "
            f"from an earlier run would steal tasks): {', '.join(strays)}"
        )
    flush_redis(system.redis_url)
    set_sentinel(system.redis_url)


# --- one system's run -----------------------------------------------------------------------


@dataclass(frozen=True)
class WorkerConfig:
    pool: str
    concurrency: int
    processes: int

    def __str__(self) -> str:
        per = f"--pool {self.pool} --concurrency {self.concurrency}"
        return per if self.processes == 1 else f"{self.processes} x ({per})"


def start_workers(system: System, config: WorkerConfig, processes: Processes) -> list:
    workers = []
    for number in range(config.processes):
        argv = [
            system.celery,
            "--app",
            system.celery_app,
            "worker",
            "--loglevel",
            "WARNING",
            "--pool",
            config.pool,
            "--concurrency",
            str(config.concurrency),
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--hostname",
            f"bench-{system.name}-{number}@%h",
        ]
        label = f"{system.name}-worker-{number}"
        workers.append(processes.start(label, argv, cwd=system.cwd, env=system.run_env()))
    return workers


def run_system(
    system: System,
    *,
    receiver: Receiver,
    config: WorkerConfig,
    events: int,
    subscriptions: int,
    warmup: int,
    timeout: float,
    publishers: int,
    processes: Processes,
    log_dir: Path,
) -> tuple[Figures, dict]:
    print(f"[{system.name}] preparing database {system.database} and Redis {system.redis_url}")
    prepare(system)
    run_load(
        system, "setup", "--url", receiver.url(system.name), "--subscriptions", str(subscriptions)
    )
    receiver.reset()
    print(f"[{system.name}] starting workers: {config}")
    workers = start_workers(system, config, processes)
    try:
        print(f"[{system.name}] warm-up: {warmup} events x {subscriptions} subscriptions")
        run_load(
            system,
            "publish",
            "--start",
            "0",
            "--count",
            str(warmup),
            "--out",
            str(log_dir / f"{system.name}-warmup.json"),
        )
        if not receiver.wait_for(
            warmup * subscriptions, timeout=180, label="warm-up", alive=processes.check_alive
        ):
            raise SystemExit(f"{system.name}: warm-up never completed; logs in {log_dir}")
        time.sleep(0.5)  # let the last warm-up attempts be recorded before the measured batch
        receiver.reset()

        expected = events * subscriptions
        print(f"[{system.name}] measuring: {events} events x {subscriptions} subscriptions")
        sessions_before = pg_sessions(system.database)
        stamps = publish_concurrently(
            system,
            first=warmup,
            events=events,
            publishers=publishers,
            log_dir=log_dir,
            wait=lambda publishers_alive: receiver.wait_for(
                expected,
                timeout=timeout,
                label="measured batch",
                alive=lambda: (processes.check_alive(), publishers_alive()),
                abort_if=lambda: not sentinel_survived(system.redis_url),
            ),
        )
        receipts = receiver.dump()
        result = figures(system.name, stamps=stamps["stamps"], receipts=receipts, expected=expected)
        publish_seconds = stamps["finished"] - min(stamps["stamps"].values())
        sessions = pg_sessions(system.database) - sessions_before
        check = verify(system, expected=(warmup + events) * subscriptions)
        check["publish_seconds"] = round(publish_seconds, 2)
        check["db_connections_opened"] = sessions
        check["redis_flushed_by_someone_else"] = not sentinel_survived(system.redis_url)
        return result, check
    finally:
        for worker in workers:
            processes.stop(worker)


def publish_concurrently(
    system: System, *, first: int, events: int, publishers: int, log_dir: Path, wait
) -> dict:
    """``publishers`` processes (as many web processes or workers would), each publishing its
    share of the events one after another, all starting at the same instant once Django is up
    in each. Returns the merged publish stamps; ``wait(publishers_alive)`` runs while they
    publish (``publishers_alive()`` exits the run when one of them failed)."""
    share, extra = divmod(events, publishers)
    start_at = time.monotonic() + 4.0  # CLOCK_MONOTONIC: the same clock in every process
    procs, outs, begin = [], [], first
    for number in range(publishers):
        count = share + (1 if number < extra else 0)
        out = log_dir / f"{system.name}-stamps-{number}.json"
        log_path = log_dir / f"{system.name}-publisher-{number}.log"
        argv = [
            system.python,
            str(system.load_script),
            "publish",
            "--start",
            str(begin),
            "--count",
            str(count),
            "--out",
            str(out),
            "--at",
            f"{start_at:.6f}",
        ]
        with open(log_path, "wb") as log:
            procs.append(
                subprocess.Popen(
                    argv, cwd=system.cwd, env=system.run_env(), stdout=log, stderr=subprocess.STDOUT
                )
            )
        outs.append((out, log_path))
        begin += count

    def publishers_alive() -> None:
        for proc, (_, log_path) in zip(procs, outs, strict=True):
            if proc.poll():  # finished publishers exit 0
                tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-30:])
                raise SystemExit(f"{system.name}: a publisher died; the end of {log_path}:\n{tail}")

    try:
        wait(publishers_alive)
    except BaseException:
        for proc in procs:  # the run is over: no publisher outlives it
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        raise
    merged: dict = {"stamps": {}, "finished": 0.0}
    for proc, (out, log_path) in zip(procs, outs, strict=True):
        if proc.wait() != 0:
            raise SystemExit(f"{system.name}: publishing failed:\n{log_path.read_text()}")
        part = json.loads(out.read_text())
        merged["stamps"].update(part["stamps"])
        merged["finished"] = max(merged["finished"], part["finished"])
    return merged


def verify(system: System, *, expected: int, within: float = 20.0) -> dict:
    """Every delivery the system recorded is marked succeeded (attempts are recorded after the
    receiver answers, so give the last ones a moment)."""
    deadline = time.monotonic() + within
    while True:
        check = run_load(system, "verify")
        check["expected"] = expected
        check["all_succeeded"] = check["ok"] == expected == check["deliveries"]
        if check["all_succeeded"] or time.monotonic() > deadline:
            return check
        time.sleep(0.5)


# --- main -----------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1000, help="N events (default 1000)")
    parser.add_argument("--subscriptions", type=int, default=5, help="M subscriptions (5)")
    parser.add_argument("--warmup", type=int, default=40, help="warm-up events, not counted")
    parser.add_argument("--pool", default="threads", help="Celery pool for both systems")
    parser.add_argument("--concurrency", type=int, default=8, help="per worker process")
    parser.add_argument(
        "--worker-processes",
        type=int,
        default=2,
        help="celery worker processes per system (each with the pool above)",
    )
    parser.add_argument(
        "--publishers",
        type=int,
        default=2,
        help="processes publishing concurrently, as web processes would (default 2)",
    )
    parser.add_argument("--only", choices=["switchboard", "django-webhook"])
    parser.add_argument("--timeout", type=float, default=600, help="seconds to wait per run")
    parser.add_argument(
        "--switchboard-root",
        type=Path,
        default=ROOT,
        help="the Switchboard checkout to measure (default: this one)",
    )
    args = parser.parse_args()

    config = WorkerConfig(args.pool, args.concurrency, args.worker_processes)
    systems = [switchboard_system(args.switchboard_root.resolve()), peer_system()]
    if args.only:
        systems = [s for s in systems if s.name == args.only]
    for system in systems:
        if not Path(system.python).exists():
            raise SystemExit(f"{system.name}: {system.python} is missing (run make bench-outbound)")

    # SIGTERM (e.g. timeout) unwinds like Ctrl-C, so the finally below stops every child.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    log_dir = Path(tempfile.mkdtemp(prefix="bench-outbound-"))
    processes = Processes(log_dir)
    results: list[Figures] = []
    checks: dict[str, dict] = {}
    try:
        receiver = Receiver(processes, log_dir)
        print(f"receiver: {receiver.base} (own process); logs: {log_dir}")
        for system in systems:
            result, check = run_system(
                system,
                receiver=receiver,
                config=config,
                events=args.events,
                subscriptions=args.subscriptions,
                warmup=args.warmup,
                timeout=args.timeout,
                publishers=args.publishers,
                processes=processes,
                log_dir=log_dir,
            )
            results.append(result)
            checks[system.name] = check
            print(
                f"[{system.name}] {result.per_second:.1f} deliveries/s; "
                f"recorded: {json.dumps(check)}"
            )
    finally:
        processes.stop_all()

    return report(results, checks, config=config, args=args)


def report(results: list[Figures], checks: dict, *, config: WorkerConfig, args) -> int:
    print()
    print(
        f"{args.events} events x {args.subscriptions} subscriptions, "
        f"{args.publishers} publishing processes; Celery workers per system: {config}; "
        f"{os.cpu_count()} cores"
    )
    print(table(results))
    ok = all(r.complete and checks[r.system]["all_succeeded"] for r in results)
    for r in results:
        if r.duplicates:
            print(f"{r.system}: {r.duplicates} duplicate requests (at-least-once)")
        if checks[r.system]["redis_flushed_by_someone_else"]:
            print(
                f"{r.system}: WARNING: its Redis DB was flushed during the run by another "
                "process (FLUSHALL or FLUSHDB?): queued tasks were lost; run again"
            )
        if not (r.complete and checks[r.system]["all_succeeded"]):
            print(
                f"{r.system}: INCOMPLETE: received {r.deliveries}/{r.expected}; "
                f"recorded {checks[r.system]}"
            )
    by_name = {r.system: r for r in results}
    switchboard = by_name.get("switchboard")
    peer = by_name.get("django-webhook")
    if switchboard:
        met = switchboard.per_second >= TARGET_RATE
        print(
            f"target >= {TARGET_RATE:.0f} deliveries/s: {'met' if met else 'NOT met'} "
            f"({switchboard.per_second:.1f}/s)"
        )
    if switchboard and peer and peer.per_second > 0:
        ratio = switchboard.per_second / peer.per_second
        print(f"ratio switchboard/django-webhook: {ratio:.2f}x")
        met = ratio >= TARGET_RATIO
        print(f"target >= {TARGET_RATIO:.0f}x django-webhook: {'met' if met else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
