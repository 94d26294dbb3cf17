"""Keep one command running: ``python -m core.supervise -- <command> ...``.

``make run`` starts the hub's processes under honcho, which never restarts one that exits: a
worker that died would leave events waiting until a person noticed. Each Procfile line runs
its command under this supervisor instead, which starts it again after an exit it did not ask
for (with a short, growing pause, so a command that cannot start doesn't spin) and passes
SIGINT/SIGTERM on so Ctrl-C and honcho still stop everything. Plain Python: it imports
nothing of the project, so it can't fail the way its child might.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time

FIRST_PAUSE_SECONDS = 1.0
LONGEST_PAUSE_SECONDS = 30.0
# A child that ran this long before exiting was healthy: start again after the first pause.
STABLE_AFTER_SECONDS = 60.0


def _say(message: str) -> None:
    print(f"supervise: {message}", file=sys.stderr, flush=True)


def _exit_status(code: int) -> int:
    """A child killed by a signal exits the supervisor as a shell reports it: 128 + signal."""
    return code if code >= 0 else 128 - code


def supervise(command: list[str]) -> int:
    stopping = False
    child: subprocess.Popen | None = None

    def forward(signum, frame) -> None:
        nonlocal stopping
        stopping = True
        if child is not None and child.poll() is None:
            child.send_signal(signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    pause = FIRST_PAUSE_SECONDS
    while True:
        started = time.monotonic()
        child = subprocess.Popen(command)
        code = child.wait()
        if stopping:
            return _exit_status(code)
        ran = time.monotonic() - started
        if ran >= STABLE_AFTER_SECONDS:
            pause = FIRST_PAUSE_SECONDS
        _say(f"{command[0]} exited with {code} after {ran:.0f} s; starting it again in {pause:g} s")
        deadline = time.monotonic() + pause
        while not stopping and time.monotonic() < deadline:
            time.sleep(0.1)
        if stopping:
            return _exit_status(code)
        pause = min(pause * 2, LONGEST_PAUSE_SECONDS)


def main(argv: list[str]) -> int:
    if argv[:1] == ["--"]:
        argv = argv[1:]
    if not argv:
        _say("usage: python -m core.supervise -- <command> [args...]")
        return 2
    return supervise(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
