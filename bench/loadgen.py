"""The load both systems get, and the command line of their load scripts (stdlib only).

``bench/switchboard_load.py`` (project venv) and ``bench/peer/load.py`` (bench/.venv-peer) each
give three functions to ``main()``; the driver runs them as subprocesses:

    setup   --url URL --subscriptions M   empty the system's tables, create M endpoints -> URL
    publish --start S --count N --out F [--at T]
                                          publish N events one after another (from monotonic
                                          time T), each timed
    verify                                JSON: how many deliveries the system recorded, by status
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from typing import Any

PublishOne = Callable[[int, dict[str, Any]], str]


def client_payload(number: int) -> dict[str, Any]:
    """A small client record (~300 bytes of JSON), like a CRM's ``client.created``."""
    return {
        "external_id": f"bench-{number:08d}",
        "name": f"Client {number}",
        "email": f"client{number}@example.com",
        "phone": f"+1-555-{number % 10000:04d}",
        "company": f"Company {number % 97}",
        "status": "active",
        "tags": ["bench", f"cohort-{number % 7}"],
    }


def publish_all(publish_one: PublishOne, *, start: int, count: int) -> dict[str, Any]:
    """Publish ``count`` events in turn; ``stamps`` maps each event's key to the monotonic
    time its publish began (CLOCK_MONOTONIC, comparable with the receiver's)."""
    stamps: dict[str, float] = {}
    for number in range(start, start + count):
        payload = client_payload(number)
        began = time.monotonic()
        key = publish_one(number, payload)
        stamps[str(key)] = began
    return {"stamps": stamps, "finished": time.monotonic()}


def main(
    *,
    setup: Callable[[str, int], dict[str, Any]],
    make_publisher: Callable[[], PublishOne],
    verify: Callable[[], dict[str, Any]],
) -> None:
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command", required=True)
    setup_cmd = commands.add_parser("setup")
    setup_cmd.add_argument("--url", required=True)
    setup_cmd.add_argument("--subscriptions", type=int, required=True)
    publish_cmd = commands.add_parser("publish")
    publish_cmd.add_argument("--start", type=int, required=True)
    publish_cmd.add_argument("--count", type=int, required=True)
    publish_cmd.add_argument("--out", required=True)
    publish_cmd.add_argument("--at", type=float, help="time.monotonic() to start at")
    commands.add_parser("verify")
    args = parser.parse_args()

    if args.command == "setup":
        result = setup(args.url, args.subscriptions)
    elif args.command == "publish":
        publish_one = make_publisher()
        if args.at:
            time.sleep(max(0.0, args.at - time.monotonic()))
        result = publish_all(publish_one, start=args.start, count=args.count)
        with open(args.out, "w") as fh:
            json.dump(result, fh)
        result = {"published": len(result["stamps"])}
    else:
        result = verify()
    print(json.dumps(result), flush=True)
