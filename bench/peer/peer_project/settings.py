"""Minimal Django settings for the django-webhook peer (bench/outbound.py drives it).

Its own PostgreSQL database and Redis DB, so it never touches Switchboard's. Database
connections are kept open between tasks (CONN_MAX_AGE, as Switchboard's workers do), so the
comparison measures the webhook code, not connection set-up.
"""

import os

SECRET_KEY = os.environ.get("PEER_SECRET_KEY", "bench-only-peer-secret-key")
DEBUG = False
ALLOWED_HOSTS = ["*"]
USE_TZ = True
TIME_ZONE = "UTC"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django_webhook",
    "benchapp",
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.environ.get("PEER_DB_NAME", "django_webhook_bench"),
        "USER": os.environ.get("PEER_DB_USER", "postgres"),
        "HOST": os.environ.get("PEER_DB_HOST", "127.0.0.1"),
        "PORT": os.environ.get("PEER_DB_PORT", "5432"),
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
    }
}

CELERY_BROKER_URL = os.environ.get("PEER_REDIS_URL", "redis://127.0.0.1:6379/13")
CELERY_TASK_IGNORE_RESULT = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# django-webhook: saves of benchapp.Client fire webhooks; events are stored (its default), as
# Switchboard stores each attempt.
DJANGO_WEBHOOK = {"MODELS": ["benchapp.Client"]}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
