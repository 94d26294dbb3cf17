"""A client record whose creation fires webhooks (django-webhook's post_save signal)."""

from django.db import models


class Client(models.Model):
    external_id = models.CharField(max_length=64)
    name = models.CharField(max_length=200)
    email = models.CharField(max_length=254)
    phone = models.CharField(max_length=40, blank=True)
    company = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=20, default="active")
    tags = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name
