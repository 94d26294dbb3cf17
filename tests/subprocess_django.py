"""Run a snippet under Django in a fresh process with its own environment: how tests see
what the hub does when a server is down or a setting is missing, without disturbing the
test process's own connections."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_django(code: str, *, env: dict[str, str], settings: str = "config.settings"):
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("TEST_", "DJANGO_"))}
    full_env.update({"DJANGO_SETTINGS_MODULE": settings, **env})
    script = "import django\ndjango.setup()\n" + code
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=60,
    )


HEALTH_SNIPPET = """
import json
from django.test import Client
response = Client().get("/health")
print(json.dumps({"status": response.status_code, "body": json.loads(response.content)}))
"""


def health_in_subprocess(env: dict[str, str]) -> dict:
    result = run_django(HEALTH_SNIPPET, env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])
