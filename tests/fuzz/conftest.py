"""The fuzz suite's Hypothesis profiles (issue 13): bounded in `make test`, thousands in `make fuzz`.

- ``ci`` (the default): :data:`CI_EXAMPLES` examples per target, derandomized so that every run
  of `make test` tries the same inputs (a failure in CI is a failure on every machine), and no
  example database (nothing is written into the checkout).
- ``long`` (``pytest tests/fuzz --fuzz-long``, or `make fuzz`): :data:`LONG_EXAMPLES` examples per
  target, random, so each long run explores new inputs. A failure prints the
  ``@reproduce_failure`` blob and the minimal example, which becomes a named regression test.

``MAARIFA_FUZZ_EXAMPLES`` overrides the number of either profile (a quick look, a longer night).
``--hypothesis-profile NAME`` (Hypothesis's own option) wins over both.
No deadline: an example's time depends on the machine and on the other processes sharing it,
and tests never assert on time (performance lives in bench/).
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

from .web_node import FuzzNode

CI_EXAMPLES = 20
LONG_EXAMPLES = 2_000

_COMMON = dict(
    deadline=None,
    database=None,
    print_blob=True,
    # the targets read real files into a real store: slow examples and large inputs are the point
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example,
                           HealthCheck.filter_too_much],
)


def _examples(default: int) -> int:
    return int(os.environ.get("MAARIFA_FUZZ_EXAMPLES") or default)


settings.register_profile("ci", max_examples=_examples(CI_EXAMPLES), derandomize=True, **_COMMON)
settings.register_profile("long", max_examples=_examples(LONG_EXAMPLES), derandomize=False, **_COMMON)


def pytest_configure(config):
    # a failing example holding a huge value is printed whole; Hypothesis warns about the cost,
    # and the project's filterwarnings=error would then hide the failure behind that warning
    config.addinivalue_line("filterwarnings", "ignore:Generating overly large repr:hypothesis.errors.HypothesisWarning")
    if config.getoption("--hypothesis-profile", default=None):
        return  # chosen on the command line
    settings.load_profile("long" if config.getoption("--fuzz-long") else "ci")


@pytest.fixture(scope="session")
def web_node(request, tmp_path_factory):
    """The node of every web target (tests/fuzz/web_node.py); the long run also compares a full
    dump of the store around each rejected request."""
    node = FuzzNode(tmp_path_factory.mktemp("fuzz-web"), long_run=request.config.getoption("--fuzz-long"))
    yield node
    node.close()
