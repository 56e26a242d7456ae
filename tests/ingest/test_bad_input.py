"""Every bad-input case of issue 3: a located message (file + line/row) and an unchanged store."""

from __future__ import annotations

import pytest

from ingest import ImportFailed, run_import

from .conftest import DUMPS, FIXTURES, TRAINING, snapshot


def rejected(store, kind, path, **kw) -> str:
    before = snapshot(store)
    with pytest.raises(ImportFailed) as info:
        run_import(store, kind, path, **kw)
    assert snapshot(store) == before, "a rejected import must leave the store's quads unchanged"
    return str(info.value)


def test_truncated_yaml(loaded, copy):
    root = copy(TRAINING)
    module = next(root.rglob("modules/databases-and-linked-data.yml"))
    module.write_bytes((FIXTURES / "truncated.yml").read_bytes())
    message = rejected(loaded, "training", root)
    assert "modules/databases-and-linked-data.yml, line 6: not valid YAML" in message


def test_non_utf8_file(loaded):
    message = rejected(loaded, "people", FIXTURES / "latin1.csv")
    assert "latin1.csv, line 2: not valid UTF-8" in message


def test_people_csv_every_error_listed(loaded):
    message = rejected(loaded, "people", FIXTURES / "people-bad.csv")
    expected = [
        "people-bad.csv, row 3: duplicate username 'ada.k' (first on row 2)",
        "people-bad.csv, row 4: 4 field(s) where the header has 12 (missing columns)",
        "people-bad.csv, row 5: 13 field(s) where the header has 12 (extra columns)",
        "people-bad.csv, row 6: known: unknown skill 'no-such-skill'",
        "people-bad.csv, row 7: known: level '7' of skill '113' must be 1, 2, 3 or 4",
        "people-bad.csv, row 8: unknown language code 'xx-notalang'",
        "people-bad.csv, row 9: unknown territory 'QQ'",
    ]
    for line in expected:
        assert line in message
    assert "7 error(s)" in message


def test_unknown_column_heading(loaded, tmp_path):
    bad = tmp_path / "people.csv"
    bad.write_text("username,name,shoe_size\nada,Ada,42\n", encoding="utf-8")
    assert "people.csv, row 1: unknown column(s) 'shoe_size'" in rejected(loaded, "people", bad)


def test_invalid_date_unknown_person_and_module(loaded):
    message = rejected(loaded, "completions", FIXTURES / "completions-bad.csv")
    assert "completions-bad.csv, row 2: unknown training module 'no-such-module'" in message
    assert "completions-bad.csv, row 3: unknown person 'nobody'" in message
    assert "completions-bad.csv, row 4: completed_at '2024-13-45' is not an ISO 8601 date" in message


def test_dump_with_one_broken_page(loaded):
    message = rejected(loaded, "mediawiki", FIXTURES / "broken-page.xml")
    assert "broken-page.xml, line 81: page 2 cannot be read" in message


def test_jsonld_with_remote_context_is_refused_without_fetching(loaded):
    message = rejected(loaded, "rdf", FIXTURES / "remote-context.jsonld")
    assert "remote-context.jsonld, line 2:" in message and "remote" in message


def test_unknown_skill_in_badges(loaded):
    message = rejected(loaded, "badges", FIXTURES / "badges-bad.yaml")
    assert "badges-bad.yaml, line 5: badge 'bad-skill-badge': unknown skill 'no-such-skill'" in message


def test_strict_turns_warnings_into_errors(loaded):
    message = rejected(loaded, "training", TRAINING, strict=True)
    assert "3 error(s)" in message and "with --strict" in message


def test_dry_run_writes_nothing_but_reports(loaded):
    before = snapshot(loaded)
    report = run_import(loaded, "mediawiki", DUMPS / "article-pear-0.10.xml", dry_run=True)
    assert snapshot(loaded) == before
    assert report.results[0]["added"] == 8 and "would change: 8 added" in "\n".join(report.lines())
