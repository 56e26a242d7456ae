"""One run of ``maarifa ingest`` reports every error (and every warning) of every file, with
file and line, exits 1, and leaves the store unchanged (issue 11, item 14). Before, the
training importer listed only the YAML syntax error, and a record of the wrong shape
(``slides: 5``, ``translations: [...]``) stopped the import with a traceback."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from graph import GraphStore
from maarifa.cli import main

from ..conftest import snapshot
from .conftest import FIXTURES

BROKEN_TRAINING = FIXTURES / "training-broken"


def ingest(data_dir, *args):
    result = CliRunner().invoke(main, ["--data-dir", str(data_dir), "ingest", *map(str, args)])
    assert "Traceback" not in result.output + (result.stderr or ""), result.output
    return result


@pytest.fixture
def data_dir(tmp_path):
    data = tmp_path / "data"
    assert CliRunner().invoke(main, ["--data-dir", str(data), "init"]).exit_code == 0
    return data


def store_snapshot(data_dir) -> bytes:
    store = GraphStore.open(data_dir, base_url="http://127.0.0.1:5000")
    try:
        return snapshot(store)
    finally:
        store.close()


def test_one_run_reports_every_broken_training_file(data_dir):
    before = store_snapshot(data_dir)
    result = ingest(data_dir, "training", BROKEN_TRAINING)
    assert result.exit_code == 1
    message = result.stderr
    expected = [
        # a YAML syntax error: where the parser gave up, and where the broken string began
        "modules/broken-yaml.yml, line 5: not valid YAML: found unexpected end of stream (while scanning a quoted "
        "scalar at line 3)",
        # a record of the wrong shape: a translation under a key that is not a language code
        "slides/quiz.yml, line 3: translations: 'español de México' does not match",
        # a field of the wrong type, deep in the record
        "libraries/library.yml, line 4: categories[0].modules: must be a list, not a text ('dangling')",
        # a dangling reference (a warning) in yet another file, reported in the same run
        "warning: modules/dangling.yml, line 4: module 'dangling' lists slide 'no-such-slide', which does not exist",
    ]
    for line in expected:
        assert line in message, message
    assert "3 error(s) and 1 warning(s); nothing was written" in message
    assert store_snapshot(data_dir) == before


def test_json_report_lists_the_same_errors(data_dir):
    import json

    result = ingest(data_dir, "training", BROKEN_TRAINING, "--json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert sorted((e["file"], e["where"]) for e in report["errors"]) == [
        ("libraries/library.yml", "line 4"), ("modules/broken-yaml.yml", "line 5"), ("slides/quiz.yml", "line 3")]
    assert [(w["file"], w["where"]) for w in report["warnings"]] == [("modules/dangling.yml", "line 4")]
