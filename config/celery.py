"""The Celery application: configuration comes from Django settings prefixed CELERY_."""

import os

from celery import Celery
from celery.signals import setup_logging, task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("switchboard")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Consumer reconnection and the heartbeat /health reads: see core.worker.
app.steps["consumer"].add("core.worker:Heartbeat")


@setup_logging.connect
def use_django_logging(**kwargs) -> None:
    """Workers and beat log through Django's LOGGING (structured, JSON in production)."""
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)


@task_prerun.connect
@task_postrun.connect
def close_old_db_connections(**kwargs) -> None:
    """What Django does around each request: honour CONN_MAX_AGE and CONN_HEALTH_CHECKS.

    Celery itself would otherwise close every connection around every task (see
    CELERY_DB_REUSE_MAX), costing a new PostgreSQL connection per task.
    """
    from django.db import close_old_connections

    close_old_connections()
