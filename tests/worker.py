"""Real Celery worker processes for tests, pointed at the test database and Redis."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent


def _database_url() -> str:
    db = settings.DATABASES["default"]
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def project_env(extra: dict[str, str]) -> dict[str, str]:
    """The environment of a project process (not a test one) on the test database and Redis."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("TEST_", "DJANGO_"))}
    full_env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": _database_url(),
            "REDIS_URL": settings.REDIS_URL,
            **extra,
        }
    )
    return full_env


class Worker:
    def __init__(self, process: subprocess.Popen, log_path: Path) -> None:
        self.process = process
        self.log_path = log_path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if " ready." in self.log():
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        raise RuntimeError(f"Celery worker did not start:\n{self.log()[-3000:]}")

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL the worker and its pool processes: no cleanup, no acks."""
        _signal_group(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        """A warm shutdown; SIGKILL for whatever of the process group is left after it, or
        after a worker that had already died (its pool processes may outlive it)."""
        if self.process.poll() is None:
            _signal_group(self.process.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=15)
        self.kill()


def _signal_group(pgid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, sig)


@contextmanager
def celery_worker(
    *,
    concurrency: int = 2,
    env: dict[str, str] | None = None,
    python: Path | str | None = None,
    redis_url: str | None = None,
    database_url: str | None = None,
    as_procfile: bool = False,
) -> Iterator[Worker]:
    """A worker under ``python`` (this interpreter by default; another virtualenv's, e.g. the
    runtime-only install), on the test's Redis and database unless ``redis_url`` /
    ``database_url`` name others (a private server a test stops and restarts). Lean by
    default (no gossip, no mingle); ``as_procfile`` runs it with Celery's defaults, as the
    Procfile and docker-compose.yml do."""
    log_path = Path(tempfile.mkstemp(prefix="celery-worker-", suffix=".log")[1])
    full_env = project_env(
        {
            "OUTBOUND_ALLOW_PRIVATE_TARGETS": "true",
            "LOG_LEVEL": "INFO",
            **({"REDIS_URL": redis_url} if redis_url else {}),
            **({"DATABASE_URL": database_url} if database_url else {}),
            **(env or {}),
        }
    )
    command = [
        str(python or sys.executable), "-m", "celery", "--app", "config", "worker",
        "--concurrency", str(concurrency), "--loglevel", "INFO",
        "--hostname", f"test-{uuid.uuid4().hex[:8]}@%h",
        *(() if as_procfile else ("--without-gossip", "--without-mingle")),
    ]  # fmt: skip
    with log_path.open("w") as log_file:
        process = subprocess.Popen(
            command, cwd=ROOT, env=full_env, stdout=log_file, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    worker = Worker(process, log_path)
    try:
        worker.wait_ready()
        yield worker
    finally:
        worker.stop()
        if not os.environ.get("KEEP_HUB_LOGS"):
            log_path.unlink(missing_ok=True)
