# As django-webhook's README asks: the Celery app is loaded with Django, so its tasks bind to it.
from peer_project.celery import app as celery_app

__all__ = ["celery_app"]
