"""The locks (requirements/*.txt, written by `make lock`) cover pyproject.toml: every
dependency it declares is pinned there, with hashes, at a version its range allows. A
dependency added to pyproject.toml without `make lock` fails here, not on a fresh machine."""

from __future__ import annotations

import re
import tomllib

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.subprocess_django import ROOT

PIN = re.compile(r"^([A-Za-z0-9._-]+)==([^\s;\\]+)\s*(?:;\s*([^\\]+?))?\s*\\?$")


def _pins(lock: str) -> dict[str, tuple[str, str | None]]:
    """name -> (version, marker) of every pin in ``lock``; each must carry a hash."""
    text = (ROOT / "requirements" / lock).read_text()
    pins = {}
    for block in re.split(r"\n(?=\S)", text):
        match = PIN.match(block.splitlines()[0])
        if match:
            name, version, marker = match.groups()
            assert "--hash=sha256:" in block, f"{lock}: {name} has no hash"
            pins[canonicalize_name(name)] = (version, marker)
    return pins


def _declared(extra: str | None) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    listed = project["optional-dependencies"][extra] if extra else project["dependencies"]
    return [Requirement(line) for line in listed]


@pytest.mark.parametrize(("lock", "extras"), [("runtime.txt", [None]), ("dev.txt", [None, "dev"])])
def test_the_lock_pins_every_declared_dependency_within_its_range(lock, extras):
    pins = _pins(lock)
    environment = default_environment()
    problems = []
    for extra in extras:
        for requirement in _declared(extra):
            if requirement.marker and not requirement.marker.evaluate(environment):
                continue
            pinned = pins.get(canonicalize_name(requirement.name))
            if pinned is None:
                problems.append(f"{requirement} is not in requirements/{lock}")
            elif not requirement.specifier.contains(pinned[0], prereleases=True):
                problems.append(f"{requirement}: requirements/{lock} pins {pinned[0]}")
    assert not problems, "run `make lock`:\n" + "\n".join(problems)


def test_the_runtime_and_dev_locks_agree():
    runtime, dev = _pins("runtime.txt"), _pins("dev.txt")
    differ = {name: (pin, dev.get(name)) for name, pin in runtime.items() if dev.get(name) != pin}
    assert not differ, f"run `make lock`: {differ}"
