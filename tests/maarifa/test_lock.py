"""The lock files `make demo` and `make test` install from (pip-compile, with hashes) pin every
dependency pyproject.toml names, at a version pyproject allows: a dependency added to
pyproject without `make lock` fails here, not on a fresh machine next month."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==([^\s\\;]+)", re.MULTILINE)


def pins(lock: str) -> dict[str, str]:
    return {canonicalize_name(name): version for name, version in PIN.findall((ROOT / lock).read_text())}


@pytest.mark.parametrize(("lock", "requirements"), [
    ("requirements.lock", PROJECT["dependencies"]),
    ("requirements-test.lock", PROJECT["dependencies"] + PROJECT["optional-dependencies"]["test"]),
])
def test_every_dependency_is_pinned_at_an_allowed_version(lock, requirements):
    pinned = pins(lock)
    for text in requirements:
        requirement = Requirement(text)
        name = canonicalize_name(requirement.name)
        assert name in pinned, f"{requirement.name} is in pyproject.toml but not in {lock}: run `make lock`"
        assert requirement.specifier.contains(pinned[name], prereleases=True), \
            f"{lock} pins {requirement.name}=={pinned[name]}, outside {requirement.specifier}: run `make lock`"


@pytest.mark.parametrize("lock", ["requirements.lock", "requirements-test.lock"])
def test_every_pin_carries_a_hash(lock):
    """pip's --require-hashes refuses a lock with one unhashed pin; say which one here."""
    blocks = re.split(r"\n(?=[A-Za-z0-9_.\-]+==)", (ROOT / lock).read_text())
    unhashed = [block.split()[0] for block in blocks if PIN.match(block) and "--hash=sha256:" not in block]
    assert unhashed == []
