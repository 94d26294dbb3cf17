"""Sign a sample payload exactly as the provider would (the sandbox's signers) and POST it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import requests
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from connectors.sandbox import webhooks as signers

FIXTURES = Path(settings.BASE_DIR) / "tests" / "fixtures"


class Command(BaseCommand):
    help = "Send a provider's sample webhook, signed as that provider signs it, to a URL."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("provider", choices=sorted(signers.BUILDERS))
        parser.add_argument("--url", required=True, help="the registration's webhookUrl")
        parser.add_argument("--secret", required=True)
        parser.add_argument("--event", help="event type: tests/fixtures/<provider>/<event>.json")
        parser.add_argument("--file", type=Path, help="a body to send instead of a fixture")
        parser.add_argument(
            "--option", action="append", default=[], metavar="NAME=VALUE",
            help="signer option, e.g. version=v2 (hubspot), event=push (github)",
        )  # fmt: skip

    def handle(self, *args: Any, provider: str, url: str, secret: str, **options: Any) -> None:
        body = self._body(provider, options["event"], options["file"])
        extra = dict(option.split("=", 1) for option in options["option"] if "=" in option)
        if provider == "github" and options["event"]:
            extra.setdefault("event", options["event"])
        signed = signers.build(provider, url, secret, body, **extra)
        try:
            response = signers.send(signed)
        except requests.RequestException as exc:
            raise CommandError(f"could not reach {url}: {exc}") from exc
        self.stdout.write(f"{response.status_code} {response.text[:500]}")
        if response.status_code >= 400:
            raise CommandError(f"the hub answered {response.status_code}")

    def _body(self, provider: str, event: str | None, file: Path | None) -> bytes:
        if file:
            return file.read_bytes()
        candidates = sorted((FIXTURES / provider).glob(f"{event or '*'}.json"))
        if not candidates:
            raise CommandError(f"no sample for {provider} {event or ''}: pass --file")
        return candidates[0].read_bytes()
