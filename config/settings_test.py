"""Settings for the test suite: real PostgreSQL and Redis, at their local defaults.

TEST_DATABASE_URL and TEST_REDIS_URL override them; tests/conftest.py stops the run with a
message naming the server when either can't be reached. The database TEST_DATABASE_URL names
is the one the suite creates and uses (not Django's `test_` + that name), and the default is a
database of its own, so that a development database is never the target. The suite's Redis
state lives in the database number TEST_REDIS_URL names, emptied with FLUSHDB, never FLUSHALL.
"""

import os

os.environ["DATABASE_URL"] = os.environ.get(
    "TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test_switchboard"
)
os.environ["REDIS_URL"] = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
os.environ.pop("CELERY_BROKER_URL", None)
os.environ.setdefault("LOG_LEVEL", "WARNING")
# Shared state (breakers, rate limits) per test run, inherited by the run's worker processes.
os.environ.setdefault("CACHE_KEY_PREFIX", f"test-{os.getpid()}")
os.environ["OUTBOUND_ALLOW_PRIVATE_TARGETS"] = "true"  # the receivers live on 127.0.0.1

from config.settings import *  # noqa: F403

DATABASES["default"]["TEST"] = {"NAME": DATABASES["default"]["NAME"]}  # noqa: F405

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast test logins
