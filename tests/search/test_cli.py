"""`maarifa search` / `maarifa reindex` (maarifa/search_cli.py), on the embedded backend."""

from __future__ import annotations

import json
import re

import click
import pytest
from click.testing import CliRunner

import corpus
from graph import GraphStore
from maarifa import wiring
from maarifa.cli import MaarifaGroup
from maarifa.search_cli import reindex_command, search_command
from maarifa.settings import Settings


@click.group(cls=MaarifaGroup)
@click.option("--data-dir")
@click.pass_context
def cli(ctx, data_dir):
    ctx.ensure_object(dict)
    ctx.obj["flags"] = {"data_dir": data_dir, "base_url": corpus.BASE}
    ctx.obj["config"] = None


cli.add_command(search_command)
cli.add_command(reindex_command)


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    for name in ("MAARIFA_SEARCH_BACKEND", "MAARIFA_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings.load({"data_dir": tmp_path / "data", "base_url": corpus.BASE})
    wiring.init_data_dir(settings)
    with GraphStore.open(settings.data_dir, base_url=corpus.BASE) as store:
        corpus.load(store)
    return str(settings.data_dir)


def test_search_syncs_and_prints(data_dir):
    runner = CliRunner()
    result = runner.invoke(cli, ["--data-dir", data_dir, "search", "plagiarism", "--type", "asset"])
    assert result.exit_code == 0, result.output
    assert "Plagiarism" in result.output and "[asset]" in result.output
    result = runner.invoke(cli, ["--data-dir", data_dir, "search", "imagenes", "--lang", "es", "--json"])
    data = json.loads(result.output)
    assert any(h["title"] == "Contribuyendo con imágenes y archivos multimedia" for h in data["hits"])
    assert data["facets"]["type"]


def test_search_filters_and_suggestion(data_dir):
    runner = CliRunner()
    result = runner.invoke(cli, ["--data-dir", data_dir, "search", "--skill", "124", "--type", "asset", "--json"])
    data = json.loads(result.output)
    assert f"{corpus.BASE}/id/asset/querying-wikidata" in [h["id"] for h in data["hits"]]
    result = runner.invoke(cli, ["--data-dir", data_dir, "search", "wikidta"])
    assert "did you mean: wikidata" in result.output


@pytest.mark.parametrize("args, message", [
    (["search"], "empty query"),
    (["search", "wiki", "--lang", "xx"], "unknown language code"),
    (["search", "wiki " * 3000], "limit is 1,000"),
])
def test_search_bad_input_is_one_line(data_dir, args, message):
    result = CliRunner().invoke(cli, ["--data-dir", data_dir, *args])
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output


def test_reindex(data_dir):
    result = CliRunner().invoke(cli, ["--data-dir", data_dir, "reindex"])
    assert result.exit_code == 0, result.output
    assert re.search(r"reindexed [0-9]{3} document\(s\) \[embedded\]", result.output)
