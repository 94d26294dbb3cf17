"""Serve the sandbox providers in the foreground until Ctrl-C, or send one signed webhook."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from connectors.sandbox import PROVIDERS, RunningSandbox, SandboxState, webhooks


class Command(BaseCommand):
    help = (
        "Serve simulated HubSpot, Salesforce, Dynamics, Slack, WhatsApp and Zapier APIs with "
        "fault injection (control API under /_sandbox), or with --send-webhook POST one webhook "
        "signed as that provider signs it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8900)
        parser.add_argument("--seed-count", type=int, default=250, help="contacts per CRM")
        parser.add_argument(
            "--send-webhook",
            metavar="PROVIDER",
            choices=sorted(webhooks.BUILDERS),
            help="send one webhook instead of serving",
        )
        parser.add_argument("--to", help="the hub's webhook URL (with --send-webhook)")
        parser.add_argument("--secret", default="", help="the signing secret")
        parser.add_argument("--event-file", type=Path, help="JSON body (default: a sample)")
        parser.add_argument(
            "--option",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help="signer option, e.g. version=v2 (hubspot), event=push (github)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["send_webhook"]:
            self._send(options)
            return
        sandbox = RunningSandbox(
            options["host"], options["port"], SandboxState(options["seed_count"]), quiet=False
        )
        self.stdout.write(f"Sandbox providers on {sandbox.url} (Ctrl-C stops):")
        for provider in PROVIDERS:
            self.stdout.write(f"  {provider:<11} {sandbox.base_url(provider)}")
        self.stdout.write(f"  {'control':<11} {sandbox.url}/_sandbox (stats, faults, reset)")
        try:
            sandbox.serve_forever()
        except KeyboardInterrupt:
            self.stdout.write("Stopped.")
        finally:
            sandbox.stop()

    def _send(self, options: dict[str, Any]) -> None:
        provider = options["send_webhook"]
        if not options["to"]:
            raise CommandError("--send-webhook needs --to <the hub's webhook URL>")
        if options["event_file"]:
            body: Any = options["event_file"].read_bytes()
        else:
            body = webhooks.sample_event(provider)
        extra = dict(_option(text) for text in options["option"])
        signed = webhooks.build(provider, options["to"], options["secret"], body, **extra)
        answer = webhooks.send(signed)
        self.stdout.write(f"{signed.method} {signed.url} -> {answer.status_code}")
        self.stdout.write(json.dumps(signed.headers, indent=2))
        self.stdout.write(answer.text[:2000])


def _option(text: str) -> tuple[str, Any]:
    name, sep, value = text.partition("=")
    if not sep:
        raise CommandError(f"--option takes NAME=VALUE, got {text!r}")
    return name, json.loads(value) if value.isdigit() or value in ("true", "false") else value
