"""The front door stays true: README, CI entry point, compose file and configuration table."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
ENV_READ = re.compile(
    r'(?:env\.\w+|required_in_production|fernet_keys|environ\.get)\(\s*"([A-Z][A-Z0-9_]+)"', re.S
)


def test_readme_opens_with_the_two_commands():
    opening = "\n".join(README.splitlines()[:8])
    assert "make run" in opening and "make test" in opening


def test_ci_runs_the_readme_test_command():
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_every_environment_variable_is_in_the_readme_table():
    read = {
        name
        for path in (ROOT / "config").glob("*.py")
        for name in ENV_READ.findall(path.read_text())
    }
    assert {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "FIELD_ENCRYPTION_KEYS"} <= read
    documented = set(re.findall(r"^\| `([A-Z][A-Z0-9_]+)` \|", README, re.M))
    assert read - documented == set(), "document these in README's configuration table"


def test_compose_describes_the_production_shape_with_health_checks():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(services)
    for name in ("postgres", "redis", "web", "worker", "beat"):
        assert "test" in services[name]["healthcheck"], name
    assert services["web"]["command"][:3] == ["granian", "--interface", "wsgi"]
    assert "config.wsgi:application" in services["web"]["command"]
    assert "worker" in services["worker"]["command"]
    beat = " ".join(services["beat"]["command"])
    assert "beat" in beat and "django_celery_beat.schedulers:DatabaseScheduler" in beat
    for name in ("web", "worker", "beat"):
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://")
        assert env["REDIS_URL"].startswith("redis://")
        assert env["DEBUG"] == "false"
        assert env["OUTBOUND_ALLOW_PRIVATE_TARGETS"] == "false"
        assert services[name]["depends_on"]["postgres"]["condition"] == "service_healthy"
