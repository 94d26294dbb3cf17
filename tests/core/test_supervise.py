"""Under ``make run`` every Procfile line runs under core.supervise: a process that exits is
started again, and a stop signal still stops it (honcho and Ctrl-C). docker-compose.yml gives
every long-running service a restart policy."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

import yaml

from tests.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]


def _supervised(command: str, tmp_path: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "core.supervise", "--", sys.executable, "-c", command],
        cwd=ROOT, env={**os.environ, "STARTS": str(tmp_path / "starts")},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip


def _starts(tmp_path: Path) -> list[str]:
    path = tmp_path / "starts"
    return path.read_text().split() if path.exists() else []


# Records its pid, then runs until killed.
CHILD = (
    "import os, time\nopen(os.environ['STARTS'], 'a').write(f'{os.getpid()} ')\ntime.sleep(600)\n"
)


def test_a_process_that_dies_is_started_again_and_a_stop_signal_stops_it(tmp_path):
    supervisor = _supervised(CHILD, tmp_path)
    try:
        first = wait_until(lambda: _starts(tmp_path), timeout=20)[0]
        os.kill(int(first), signal.SIGKILL)  # the crash nobody asked for
        second = wait_until(lambda: _starts(tmp_path)[1:], timeout=20)[0]
        assert second != first
        supervisor.send_signal(signal.SIGTERM)  # what honcho sends on Ctrl-C
        assert supervisor.wait(timeout=20) == 128 + signal.SIGTERM
        with contextlib.suppress(ProcessLookupError):
            os.kill(int(second), 0)
            raise AssertionError("the child outlived its supervisor's stop")
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(supervisor.pid, signal.SIGKILL)


def test_every_procfile_process_runs_supervised():
    lines = [line for line in (ROOT / "Procfile").read_text().splitlines() if line.strip()]
    assert {line.split(":", 1)[0] for line in lines} == {"web", "worker", "beat", "sandbox"}
    for line in lines:
        assert line.split(":", 1)[1].strip().startswith("python -m core.supervise -- "), line


def test_every_long_running_compose_service_restarts_unless_stopped():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    policies = {name: spec.get("restart") for name, spec in compose["services"].items()}
    assert policies == {
        "postgres": "unless-stopped",
        "redis": "unless-stopped",
        "migrate": "no",  # a one-off: runs to completion before the others start
        "web": "unless-stopped",
        "worker": "unless-stopped",
        "beat": "unless-stopped",
    }
