"""Waiting for a state, not for a time: tests poll what they wait for and never assert on how
long it took (timing lives in bench/)."""

from __future__ import annotations

import time

#: how long a wait may last before the test fails, generous for a loaded shared machine
PATIENCE = 300.0


def wait_for(what: str, read, done=bool, patience: float = PATIENCE, every: float = 0.05):
    """Poll ``read()`` until ``done(value)`` and return that value; fail naming WHAT and the last
    value read if that has not happened within PATIENCE seconds."""
    deadline = time.monotonic() + patience
    while True:
        value = read()
        if done(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {patience:.0f} s; last: {value!r}")
        time.sleep(every)


def wait_until(condition, what: str, patience: float = PATIENCE) -> None:
    """Poll ``condition()`` until it is true."""
    wait_for(what, condition, patience=patience)
