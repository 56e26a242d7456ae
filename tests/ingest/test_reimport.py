"""Re-importing a source replaces exactly its graphs; an unchanged source is a no-op."""

from __future__ import annotations

import json

from click.testing import CliRunner

from ingest import run_import

from .conftest import DUMPS, FIXTURES, MAPPINGS, TAXONOMY


def test_reimport_is_a_noop_and_says_so(fresh):
    before = fresh.count()
    report = run_import(fresh, "taxonomy", TAXONOMY)
    assert report.results[0]["changed"] is False and report.results[0]["unchanged"] == 815
    assert "taxonomy: unchanged (815 triples), nothing to do" in report.lines()
    assert fresh.count() == before


def test_changed_source_replaces_exactly_its_graphs(fresh, tmp_path):
    others = {r.logical: r.physical for r in fresh.records() if r.source != "roles"}
    text = (MAPPINGS / "roles.yaml").read_text(encoding="utf-8")
    changed = tmp_path / "roles.yaml"
    # drop one required skill of the treasurer (-1 triple) and add a new role (+1 type, +1 label, +1 skill)
    changed.write_text(text.replace("requires: [12, 13, 14]", "requires: [12, 13]")
                       + "archivist: {label: {en: Archivist}, requires: [99]}\n", encoding="utf-8")
    before = fresh.count()
    report = run_import(fresh, "roles", changed)
    result = report.results[0]
    assert (result["added"], result["removed"], result["unchanged"]) == (3, 1, 48)
    assert fresh.count() == before + 2
    assert {r.logical: r.physical for r in fresh.records() if r.source != "roles"} == others


def test_cli_ingest_json_and_noop(tmp_path):
    from maarifa.cli import main
    from maarifa.ingest_cli import ingest

    # a copy of the root group with `ingest` added (maarifa/cli.py registers it; do not mutate `main`)
    main = type(main)(name="maarifa", params=main.params, callback=main.callback,
                      commands={**main.commands, "ingest": ingest})
    runner = CliRunner()
    data = ["--data-dir", str(tmp_path / "d")]
    assert runner.invoke(main, [*data, "init"]).exit_code == 0
    first = runner.invoke(main, [*data, "ingest", "mediawiki", str(DUMPS / "pair-0.10.xml"), "--json"])
    assert first.exit_code == 0, first.output
    assert json.loads(first.output)["results"][0]["added"] == 8
    again = runner.invoke(main, [*data, "ingest", "mediawiki", str(DUMPS / "pair-0.10.xml")])
    assert "unchanged (8 triples), nothing to do" in again.output
    bad = runner.invoke(main, [*data, "ingest", "rdf", str(FIXTURES / "remote-context.jsonld")])
    assert bad.exit_code == 1 and "remote-context.jsonld, line 2" in bad.output
