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


# -- the other importers: a record of the wrong shape is a located error, never a traceback,
# and every bad record of a file is reported in the same run -----------------------------

OTHER_IMPORTERS = [
    ("roles", "roles.yaml", "mentor:\n  label: [a]\norganizer:\n  label: {'en us!': Organizer}\n"
     "trainer:\n  label: Trainer\n  requires: {a: b}\n",
     ["roles.yaml, line 1: role 'mentor': label: must be a text or a number or true or false or a mapping, not a list",
      "roles.yaml, line 3: role 'organizer': label: 'en us!' does not match",
      "roles.yaml, line 5: role 'trainer': requires: must be a text or a number or true or false or a list, not a mapping"]),
    ("mappings", "training-capacities.yaml", "about-wikimedia-commons: {a: 1}\nimages-and-media: [[115]]\n",
     ["training-capacities.yaml, line 1: training 'about-wikimedia-commons': must be a text or a number or true or "
      "false or a list, not a mapping",
      "training-capacities.yaml, line 2: training 'images-and-media': [0]: must be a text"]),
    ("badges", "badges.yaml", "- {slug: one, name: [1], criteria: x}\n- {slug: two, name: X, criteria: x, skills: 5}\n"
     "- {slug: three, name: X, criteria: 'http://a b'}\n- {slug: four, name: X, criteria: x, image: 'a b.png'}\n",
     ["badges.yaml, line 1: badge 'one': name: must be a text",
      "badges.yaml, line 2: badge 'two': skills: must be a list, not a whole number (5)",
      "badges.yaml, line 3: badge 'three': criteria 'http://a b' is not a valid IRI",
      "badges.yaml, line 4: badge 'four': image 'http://127.0.0.1:5000/a b.png' is not a valid IRI"]),
    ("taxonomy", "capacities.json",
     '{\n  "1": {"code": 1, "name": "A", "parentCapacity": 5},\n  "2": {"code": {"a": 1}, "name": "B"},\n'
     '  "3": {"code": 3, "name": ["C"]}\n}\n',
     ["capacities.json, line 2: capacity 1: parentCapacity: must be a mapping, not a whole number (5)",
      "capacities.json, record 2: capacity {'a': 1}: code: must be a text or a whole number, not a mapping",
      "capacities.json, line 4: capacity 3: name: must be a text"]),
    ("orgs", "orgs.json",
     '[\n{"model": "x.organization", "fields": 5},\n{"model": 5},\n'
     '{"model": "x.organization", "fields": {"display_name": "A", "url": "not a url"}},\n'
     '{"model": "x.organizationtype", "pk": [1], "fields": {"type_name": "Chapter"}}\n]\n',
     ["orgs.json, line 2: fields: must be a mapping, not a whole number (5)",
      "orgs.json, line 3: model: must be a text, not a whole number (5)",
      "orgs.json, line 4: organization 'A': url 'not a url' is not a valid IRI",
      "orgs.json, line 5: pk: must be a whole number or a text, not a list ([1])"]),
]


@pytest.mark.parametrize("kind, name, text, expected", OTHER_IMPORTERS, ids=[c[0] for c in OTHER_IMPORTERS])
def test_other_importers_report_every_bad_record(loaded, tmp_path, kind, name, text, expected):
    from ingest import ImportFailed, run_import

    from .conftest import snapshot as quads

    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    before = quads(loaded)
    with pytest.raises(ImportFailed) as failed:
        run_import(loaded, kind, path)
    message = str(failed.value)
    for line in expected:
        assert line in message, message
    assert f"{len(expected)} error(s)" in message
    assert quads(loaded) == before
