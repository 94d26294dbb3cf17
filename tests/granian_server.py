"""The web server as the Procfile runs it (granian, its flags), on a free port, against the
test database and Redis: how tests see what a provider's connection sees."""

from __future__ import annotations

import contextlib
import http.client
import os
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.worker import project_env

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def procfile_web_command() -> list[str]:
    """The web server's command, without the supervisor that restarts it (``... --``)."""
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.startswith("web:"):
            args = shlex.split(line.removeprefix("web:"))
            return args[args.index("--") + 1 :] if "--" in args else args
    raise AssertionError("the Procfile has no web process")


def _with_port(command: list[str], port: int) -> list[str]:
    args = list(command)
    args[args.index("--port") + 1] = str(port)
    args[args.index("--host") + 1] = "127.0.0.1"
    if "--access-log" in args:
        args.remove("--access-log")
    return [sys.executable, "-m", "granian", *args[1:]]


class Server:
    def __init__(self, port: int, log_path: Path) -> None:
        self.port = port
        self.log_path = log_path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@contextmanager
def granian_server(*, env: dict[str, str] | None = None) -> Iterator[Server]:
    """The Procfile's web process on 127.0.0.1:<free port>; killed (its whole process group)
    however the test ends."""
    port = free_port()
    log_path = Path(tempfile.mkstemp(prefix="granian-", suffix=".log")[1])
    full_env = project_env(
        {
            "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
            "PUBLIC_BASE_URL": "http://testserver",
            "LOG_LEVEL": "WARNING",
            **(env or {}),
        }
    )
    with log_path.open("w") as log_file:
        process = subprocess.Popen(
            _with_port(procfile_web_command(), port), cwd=ROOT, env=full_env,
            stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    server = Server(port, log_path)
    try:
        _wait_listening(process, server)
        yield server
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        log_path.unlink(missing_ok=True)


def _wait_listening(process: subprocess.Popen, server: Server, timeout: float = 60) -> None:
    """Until both workers answer (each imports the project first)."""
    deadline = time.monotonic() + timeout
    answered = 0
    while time.monotonic() < deadline and process.poll() is None:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
        try:
            connection.request("GET", f"/webhooks/{uuid.UUID(int=0)}")
            connection.getresponse().read()
            answered += 1
            if answered >= 4:
                return
        except OSError:
            time.sleep(0.1)
        finally:
            connection.close()
    raise RuntimeError(f"granian did not start:\n{server.log()[-3000:]}")
