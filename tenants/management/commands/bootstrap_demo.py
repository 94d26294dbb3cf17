"""Idempotent set-up for `make run`: a demo tenant, an admin user and an API key.

Raw secrets can't be read back from the database (the key is hashed, the password too), so
the ones this command creates are kept in DATA_DIR/demo-credentials.json — a local,
development-only file — and printed again on every run while they still work.
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from connectors.demo import ensure_demo_connections
from crm_sync.demo import enable_demo_polling
from tenants import selectors, services

DEMO_TENANT_SLUG = "demo"


class Command(BaseCommand):
    help = "Create (once) the demo tenant, an admin user and an API key, and print them."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--username", default="admin")

    def handle(self, *args, username: str, **options) -> None:
        store = Path(settings.DATA_DIR) / "demo-credentials.json"
        saved = json.loads(store.read_text()) if store.exists() else {}
        tenant, _ = services.get_or_create_tenant(slug=DEMO_TENANT_SLUG, name="Demo organization")
        password = self._ensure_admin(username, saved.get("admin_password"))
        api_key = saved.get("api_key")
        if not api_key or selectors.active_api_key(raw_key=api_key) is None:
            api_key = services.issue_api_key(tenant=tenant, name="demo").raw_key
        existing = set(tenant.connections.values_list("id", flat=True))
        connections = ensure_demo_connections(tenant=tenant, sandbox_url=settings.SANDBOX_URL)
        enable_demo_polling(connections=[c for c in connections if c.id not in existing])
        store.parent.mkdir(parents=True, exist_ok=True)
        store.write_text(json.dumps({"admin_password": password, "api_key": api_key}))
        store.chmod(0o600)
        base = settings.PUBLIC_BASE_URL.rstrip("/")
        self.stdout.write(
            "\n".join(
                [
                    "",
                    f"  Admin:     {base}/admin/  (user {username!r}, password {password!r})",
                    f"  API docs:  {base}/api/docs/",
                    f"  Tenant:    {tenant.slug} ({tenant.id})",
                    f"  API key:   {api_key}",
                    f"  Try:       curl -H 'Authorization: Bearer {api_key}' {base}/api/v1/me",
                    f"  Sandbox:   {settings.SANDBOX_URL} ({len(connections)} demo connections)",
                    "",
                ]
            )
        )

    def _ensure_admin(self, username: str, saved_password: str | None) -> str:
        user_model = get_user_model()
        user = user_model.objects.filter(username=username).first()
        if user is None:
            password = saved_password or secrets.token_urlsafe(12)
            user_model.objects.create_superuser(username=username, email="", password=password)
            return password
        if saved_password and user.check_password(saved_password):
            return saved_password
        return "(unchanged: set before this file existed)"
