"""Exit 0 when the database and the broker answer, 1 otherwise: a container health check."""

import json

from django.core.management.base import BaseCommand, CommandError

from core.health import run_checks


class Command(BaseCommand):
    help = "Check the database and broker connections, as GET /health does."

    def handle(self, *args, **options) -> None:
        healthy, statuses, errors = run_checks()
        self.stdout.write(json.dumps({"checks": statuses, "errors": errors}))
        if not healthy:
            raise CommandError("unhealthy: " + ", ".join(sorted(errors)))
