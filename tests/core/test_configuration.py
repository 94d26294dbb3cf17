"""Production mode refuses to start without its secrets; logs are JSON there."""

from __future__ import annotations

import json

from cryptography.fernet import Fernet

from tests.subprocess_django import run_django

PRODUCTION = {"DEBUG": "false", "DATABASE_URL": "sqlite:///:memory:", "REDIS_URL": ""}
LOG_A_LINE = "import logging\nlogging.getLogger('switchboard.test').warning('hello %s', 'world')"


def test_production_without_secret_key_refuses_to_start_naming_it():
    result = run_django("", env={**PRODUCTION, "SECRET_KEY": ""})
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_production_without_encryption_keys_refuses_to_start_naming_them():
    result = run_django("", env={**PRODUCTION, "SECRET_KEY": "s" * 50, "FIELD_ENCRYPTION_KEYS": ""})
    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEYS must be set" in result.stderr


def test_a_malformed_encryption_key_is_named():
    result = run_django("", env={"FIELD_ENCRYPTION_KEYS": f"{Fernet.generate_key().decode()},nope"})
    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEYS: key #2 is not a Fernet key" in result.stderr


def test_production_logs_are_json_lines():
    env = {
        **PRODUCTION,
        "SECRET_KEY": "s" * 50,
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    }
    result = run_django(LOG_A_LINE, env=env)
    assert result.returncode == 0, result.stderr
    line = json.loads(result.stderr.strip().splitlines()[-1])
    assert line["event"] == "hello world"
    assert line["level"] == "warning"
    assert line["logger"] == "switchboard.test"


def test_development_logs_are_readable_not_json():
    result = run_django(LOG_A_LINE, env={"DEBUG": "true", "DATABASE_URL": "sqlite:///:memory:"})
    assert result.returncode == 0, result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert "hello world" in last
    assert not last.startswith("{")
