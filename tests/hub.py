"""The hub as production runs it, in subprocesses: web under granian, Celery worker processes
and Celery beat (DatabaseScheduler), pointed at the PostgreSQL and Redis a test names, and a
load that publishes events through the API and posts signed provider webhooks meanwhile.
Every process is killed on exit, whatever happened."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import requests

from connectors.sandbox import webhooks as signers
from tests.servers import _wait_port, free_port
from tests.worker import ROOT, Worker, celery_worker

BIN = Path(sys.executable).parent


class Process:
    def __init__(self, name: str, command: list[str], env: dict[str, str]) -> None:
        self.name = name
        self.log_path = Path(tempfile.mkstemp(prefix=f"hub-{name}-", suffix=".log")[1])
        with self.log_path.open("w") as log_file:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip

    def alive(self) -> bool:
        return self.process.poll() is None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 10)):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, sig)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=wait)
                if sig == signal.SIGTERM:
                    continue  # and SIGKILL what is left of the group (granian's workers)
        if not os.environ.get("KEEP_HUB_LOGS"):
            self.log_path.unlink(missing_ok=True)


def hub_env(*, database_url: str, redis_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEST_", "DJANGO_"))}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "OUTBOUND_ALLOW_PRIVATE_TARGETS": "true",
            "LOG_LEVEL": "INFO",
            # Recovery in seconds, not minutes: lost queue messages are re-created from the
            # database by the beat sweeper (created at 1 s by the test) after this long.
            "OUTBOUND_REENQUEUE_AFTER_SECONDS": "2",
            "WORKER_HEARTBEAT_INTERVAL_SECONDS": "1",
            "WORKER_HEARTBEAT_MAX_AGE_SECONDS": "5",
            **extra,
        }
    )
    return env


@dataclass
class Hub:
    env: dict[str, str]
    base_url: str
    web: Process
    beat: Process
    worker: Worker

    def processes(self) -> dict[str, bool]:
        return {"web": self.web.alive(), "beat": self.beat.alive(), "worker": self.worker.alive()}

    def logs(self) -> str:
        return "\n".join(
            f"--- {name} ---\n{log[-4000:]}"
            for name, log in (("web", self.web.log()), ("beat", self.beat.log()),
                              ("worker", self.worker.log()))
        )  # fmt: skip

    def health(self) -> dict:
        response = requests.get(f"{self.base_url}/health", timeout=10)
        return {"status": response.status_code, **response.json()}


@contextmanager
def running_hub(*, database_url: str, redis_url: str, **extra: str) -> Iterator[Hub]:
    env = hub_env(database_url=database_url, redis_url=redis_url, **extra)
    port = free_port()
    with ExitStack() as stack:
        web = Process(
            "web",
            [str(BIN / "granian"), "--interface", "wsgi", "--host", "127.0.0.1", "--port",
             str(port), "--workers", "1", "--blocking-threads", "4", "config.wsgi:application"],
            env,
        )  # fmt: skip
        stack.callback(web.stop)
        beat = Process("beat", [sys.executable, "-m", "celery", "--app", "config", "beat"], env)
        stack.callback(beat.stop)
        worker = stack.enter_context(
            celery_worker(
                concurrency=2,
                redis_url=redis_url,
                database_url=database_url,
                as_procfile=True,
                env={k: v for k, v in env.items() if k not in ("DATABASE_URL", "REDIS_URL")},
            )
        )
        _wait_port(port, timeout=30)
        yield Hub(env=env, base_url=f"http://127.0.0.1:{port}", web=web, beat=beat, worker=worker)


@dataclass
class Load:
    """Publishes events (API, idempotency keys) and posts signed GitHub deliveries until
    stopped. A request is retried with the same key until it is accepted, as a client does:
    a 2xx means stored, so ``accepted_*`` is exactly what the hub owes."""

    base_url: str
    api_key: str
    registration_id: str
    github_secret: str
    accepted_deliveries: set[str] = field(default_factory=set)
    accepted_inbound: set[str] = field(default_factory=set)
    refused: int = 0
    threads: int = 2
    _stop: threading.Event = field(default_factory=threading.Event)

    def _until_accepted(self, session, url, **kwargs) -> requests.Response | None:
        while True:
            try:
                response = session.post(url, timeout=5, **kwargs)
                if response.status_code in (200, 201, 202):
                    return response
            except requests.RequestException:
                pass
            self.refused += 1
            if self._stop.is_set():
                return None
            time.sleep(0.1)

    def _run(self, thread: int) -> None:
        session = requests.Session()
        headers = {"Authorization": f"Bearer {self.api_key}"}
        n = 0
        while not self._stop.is_set():
            n += 1
            key = f"load-{thread}-{n}"
            published = self._until_accepted(
                session,
                f"{self.base_url}/api/v1/events",
                json={"event_type": "client.created", "payload": {"n": n}, "idempotency_key": key},
                headers=headers,
            )
            if published is not None:
                self.accepted_deliveries.update(d["id"] for d in published.json()["deliveries"])
            delivery = str(uuid.uuid4())
            signed = signers.github_request(
                f"{self.base_url}/webhooks/{self.registration_id}",
                self.github_secret,
                {"zen": "Keep it logically awesome.", "hook_id": n},
                event="ping",
                delivery=delivery,
            )
            if self._until_accepted(session, signed.url, data=signed.body, headers=signed.headers):
                self.accepted_inbound.add(delivery)
            time.sleep(0.02)

    @contextmanager
    def running(self) -> Iterator[Load]:
        threads = [
            threading.Thread(target=self._run, args=(i,), name=f"hub-load-{i}", daemon=True)
            for i in range(self.threads)
        ]
        for thread in threads:
            thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            for thread in threads:
                thread.join(timeout=30)
