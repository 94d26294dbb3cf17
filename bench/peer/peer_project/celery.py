"""The peer's Celery app, set up the way Celery's Django guide and django-webhook's README say."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peer_project.settings")

app = Celery("peer_project")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
