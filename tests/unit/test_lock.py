"""requirements.lock, which `make run` and `make test` install from, holds the pins of
pyproject.toml: a pin changed without `make lock` fails here, not on a fresh machine."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
LOCKED = re.compile(r"^([A-Za-z0-9._-]+)==(\S+)", re.MULTILINE)


def _top_level_pins() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = [Requirement(line) for line in project["dependencies"]]
    requirements += [Requirement(line) for line in project["optional-dependencies"]["dev"]]
    pins = {}
    for requirement in requirements:
        (specifier,) = requirement.specifier
        assert specifier.operator == "==", f"{requirement} is not pinned exactly"
        pins[canonicalize_name(requirement.name)] = specifier.version
    return pins


def test_the_lock_holds_every_pin_of_pyproject():
    locked = {
        canonicalize_name(name): version
        for name, version in LOCKED.findall((ROOT / "requirements.lock").read_text())
    }
    differing = {
        name: (version, locked.get(name))
        for name, version in _top_level_pins().items()
        if locked.get(name) != version
    }
    assert differing == {}, "run `make lock` (pyproject.toml pin, locked version)"


def test_every_locked_package_has_a_hash():
    entries = re.split(r"\n(?=[A-Za-z0-9])", (ROOT / "requirements.lock").read_text())
    unhashed = [e.split()[0] for e in entries if LOCKED.match(e) and "--hash=sha256:" not in e]
    assert unhashed == []
