"""Issue 12, item 7: compressed dumps (and other import files) must not expand without limit.

The attack: a 2.4 KB ``.xml.bz2`` that expands to 3 GB ran 32 s, peaked at 6.25 GB of memory
and ended "unchanged (0 triples)". Now a dump is decompressed and parsed as a stream; past
``max_expanded_bytes`` (or ``max_xml_text_bytes`` between two tags) it is refused with a
message naming the file and the limit, and the store is unchanged. The limits here are set
low so that no test needs gigabytes; ``bench/import_bomb_bench.py`` measures a real-size bomb.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from graph import GraphStore
from ingest import ImportFailed, run_import
from ingest.limits import Limits, open_input, xml_events
from maarifa.cli import main
from tests.ingest.conftest import DUMPS, TRAINING, load_base, snapshot

from . import bombs

SMALL = Limits(max_expanded_bytes=1_000_000, max_xml_text_bytes=200_000, max_file_bytes=100_000)


@pytest.fixture
def store():
    return load_base(GraphStore.in_memory(), with_people=False)


def refused(store, kind, path, limits=SMALL) -> str:
    before = snapshot(store)
    with pytest.raises(ImportFailed) as info:
        run_import(store, kind, path, options={"limits": limits})
    assert snapshot(store) == before, "a refused import must leave the store unchanged"
    return str(info.value)


@pytest.mark.parametrize("compression", ["bz2", "gz"])
def test_a_small_compressed_dump_expanding_past_the_limit_is_refused(store, tmp_path, compression):
    bomb = tmp_path / f"bomb.xml.{compression}"
    expanded = bombs.one_huge_page(bomb, 50_000_000, compression)
    assert bomb.stat().st_size < 100_000 < 1_000_000 < expanded  # small on disk, big expanded
    limits = Limits(max_expanded_bytes=1_000_000, max_xml_text_bytes=10_000_000)
    message = refused(store, "mediawiki", bomb, limits)
    assert (f"bomb.xml.{compression}, page 1: expands to more than 1,000,000 bytes (the max_expanded_bytes "
            f"setting); refused, nothing was written") in message


def test_many_small_pages_count_towards_the_limit_too(store, tmp_path):
    bomb = tmp_path / "pages.xml.bz2"
    assert bombs.many_pages(bomb, 20_000) > 1_000_000
    message = refused(store, "mediawiki", bomb)
    assert "pages.xml.bz2, page " in message and "max_expanded_bytes" in message


def test_one_page_text_longer_than_the_text_limit_is_refused(store, tmp_path):
    bomb = tmp_path / "long-page.xml"
    bombs.one_huge_page(bomb, 500_000, "plain")
    message = refused(store, "mediawiki", bomb)
    assert "long-page.xml" in message
    assert "more than 200,000 bytes of XML between two tags (the max_xml_text_bytes setting)" in message


def test_xml_entity_expansion_is_refused(store, tmp_path):
    bomb = tmp_path / "laughs.xml"
    bomb.write_bytes(bombs.ENTITY_BOMB)
    message = refused(store, "mediawiki", bomb)
    assert "laughs.xml" in message and "declares entities" in message


def test_a_dump_within_the_limits_still_imports(store, tmp_path):
    dump = tmp_path / "fine.xml.bz2"
    bombs.many_pages(dump, 50)
    report = run_import(store, "mediawiki", dump, options={"limits": SMALL})
    assert report.records == 50 and report.results[0]["added"] > 0
    assert run_import(store, "mediawiki", DUMPS / "article-pyrus.xml.bz2", options={"limits": SMALL}).records == 1


def test_the_parsed_tree_does_not_grow_with_the_dump(tmp_path):
    """What keeps memory flat: each element leaves the tree once read, so the root never holds
    more than the last read's pages, however many pages the dump has."""
    dump = tmp_path / "pages.xml.gz"
    bombs.many_pages(dump, 5_000, "gz")
    with open_input(dump, Limits()) as reader:
        events = xml_events(reader)
        _, root = next(events)
        widest = pages = 0
        for event, element in events:
            widest = max(widest, len(root))
            pages += event == "end" and element.tag.endswith("}page")
    # the parser reads 16 KiB at a time and adds that read's pages before they are handed on:
    # at most one read's worth (about 100 of these pages) is ever held, not 5,000
    assert pages == 5_000 and widest <= 16 * 1024 // len(bombs.page("Page 0", b"x")) + 1


def test_the_cli_reads_the_limit_from_the_settings(tmp_path):
    bomb = tmp_path / "bomb.xml.bz2"
    bombs.one_huge_page(bomb, 5_000_000)
    data = tmp_path / "data"
    runner = CliRunner()
    assert runner.invoke(main, ["--data-dir", str(data), "init"]).exit_code == 0
    result = runner.invoke(main, ["--data-dir", str(data), "ingest", "mediawiki", str(bomb)],
                           env={"MAARIFA_MAX_EXPANDED_BYTES": "1000000"})
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "bomb.xml.bz2" in result.output and "1,000,000 bytes (the max_expanded_bytes setting)" in result.output


# -- the other importers: files read whole, YAML aliases, nesting -------------------------------


def test_a_file_read_whole_above_the_limit_is_refused_before_it_is_read(store, tmp_path):
    big = tmp_path / "roles.yaml"
    big.write_text("# padding\n" * 20_000 + "organizer: {label: {en: Organizer}, requires: []}\n", encoding="utf-8")
    message = refused(store, "roles", big)
    assert "roles.yaml" in message and "more than the 100,000 an import reads whole (the max_file_bytes setting)" in message


def test_a_folder_counts_all_its_files(store):
    message = refused(store, "training", TRAINING, Limits(max_file_bytes=10_000))
    assert "wikiedu_training: is " in message and "max_file_bytes" in message


LAUGHS = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(8))


@pytest.mark.parametrize("kind, name, text, line", [
    ("mappings", "training-capacities.yaml", "editing-basics: &codes [113, 143]\nadding-to-wikidata: *codes\n", 2),
    ("roles", "roles.yaml", "organizer: &role {label: {en: Organizer}, requires: [113]}\ncoordinator: *role\n", 2),
    ("badges", "badges.yaml", LAUGHS, 2),
])
def test_yaml_aliases_are_refused(store, tmp_path, kind, name, text, line):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    message = refused(store, kind, path)
    assert f"{name}, line {line}: YAML aliases (*" in message and "not accepted" in message


def test_yaml_aliases_in_training_content_are_refused(store, copy):
    root = copy(TRAINING)
    module = next(root.rglob("modules/*.yml"))
    module.write_text(module.read_text(encoding="utf-8") + "extra: &x [1]\nmore: *x\n", encoding="utf-8")
    message = refused(store, "training", root, Limits())
    assert "YAML aliases (*x) are not accepted" in message and module.name in message


@pytest.mark.parametrize("kind, name", [("orgs", "orgs.json"), ("completions", "completions.json")])
def test_json_nested_too_deeply_is_a_located_error_not_a_crash(store, tmp_path, kind, name):
    path = tmp_path / name
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    message = refused(store, kind, path, Limits())
    assert f"{name}: not accepted: the JSON is nested too deeply to read" in message


def test_plain_input_is_read_as_it_is(tmp_path):
    path = tmp_path / "plain.xml"
    path.write_bytes(b"<mediawiki/>")
    with open_input(path, SMALL) as f:
        assert f.read() == b"<mediawiki/>"


def test_the_importers_default_limits_are_the_settings_defaults():
    from maarifa import wiring
    from maarifa.settings import Settings

    assert wiring.import_limits(Settings.load({}, environ={})) == Limits()
