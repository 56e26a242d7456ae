"""Every route of the app has a fuzz target (issue 13 item 4): a route added later without one
fails here. A target names the routes it covers in its ``FuzzNode.fuzz([...], ...)`` call (and
that call asserts its requests reached each); this test reads those calls from the
tests/fuzz/test_web_*.py files."""

from __future__ import annotations

import ast
from pathlib import Path

HERE = Path(__file__).parent

#: routes with no fuzz target, each with the reason
EXCLUDED = {
    # files of web/static served by Flask itself: no parameter reaches our code
    "GET /static/<path:filename>",
}


def app_routes(app) -> set[str]:
    routes = set()
    for rule in app.url_map.iter_rules():
        methods = (rule.methods or set()) - {"HEAD", "OPTIONS"} or {"OPTIONS"}  # /sparql's CORS preflight
        routes |= {f"{method} {rule.rule}" for method in methods}
    return routes


METHODS = {"GET", "POST", "PATCH", "PUT", "DELETE", "OPTIONS"}


def fuzzed_routes() -> dict[str, list[str]]:
    """Route -> the targets (file::test) that name it: a "METHOD /rule" text in a test
    function, which it passes to ``FuzzNode.fuzz`` (directly or through a helper)."""
    found: dict[str, list[str]] = {}
    for path in sorted(HERE.glob("test_web_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for test in (n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name.startswith("test_")):
            for node in ast.walk(test):
                if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                        and node.value.partition(" /")[0] in METHODS and " /" in node.value:
                    found.setdefault(node.value, []).append(f"{path.name}::{test.name}")
    return found


def test_every_route_has_a_fuzz_target(web_node):
    missing = app_routes(web_node.app) - set(fuzzed_routes()) - EXCLUDED
    assert not missing, f"routes without a fuzz target (add one in tests/fuzz/test_web_*.py): {sorted(missing)}"


def test_every_named_route_exists(web_node):
    """A target naming a route the app does not have (renamed, removed) covers nothing."""
    unknown = set(fuzzed_routes()) - app_routes(web_node.app)
    assert not unknown, f"fuzz targets name routes the app does not have: {sorted(unknown)}"
