"""Every importer failure the fuzz suite (or issue 13) found, as a named test with its minimal
example: imported through the CLI, it ends with exit 1 and a message naming the file and what
is wrong, and the store (every quad, the catalog and the feed: tests/conftest.py ``snapshot``)
is unchanged."""

from __future__ import annotations

from pathlib import Path

from .importing import CliNode


def rejected(tmp_path: Path, kind: str, name: str, content: bytes) -> str:
    """``maarifa ingest KIND`` of ``content``: exit 1, a message, every quad as it was."""
    node = CliNode(tmp_path / "data")
    path = node.example_dir() / name
    path.write_bytes(content)
    result = node.check("ingest", kind, path, file=path, full=True)
    assert result.exit_code == 1, result.output
    return result.stderr


def test_mediawiki_export_without_siteinfo(tmp_path):
    """Issue 13: mwxml.errors.MalformedXML ended the command with a traceback."""
    message = rejected(tmp_path, "mediawiki", "no-siteinfo.xml",
                       b'<mediawiki xmlns="http://www.mediawiki.org/xml/export-0.10/" version="0.10">'
                       b"<page><title>Pear</title><ns>0</ns><id>1</id><revision><id>2</id><text>x</text>"
                       b"</revision></page></mediawiki>")
    assert "error: mediawiki import of no-siteinfo.xml rejected" in message
    assert "no-siteinfo.xml: not a MediaWiki export: no <siteinfo> element" in message


def test_gzip_dump_with_damaged_deflate_data(tmp_path):
    """Fuzzing: a .gz whose header is right but whose deflate data is not ended the command
    with zlib.error (which, unlike gzip's and bz2's other errors, is no OSError)."""
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"  # magic, deflate, no flags, no time, unknown OS
    message = rejected(tmp_path, "mediawiki", "article.xml.gz", header + b"\xff" * 8)  # block type 3: invalid
    assert "article.xml.gz, page 1: cannot be read as a MediaWiki dump" in message
    assert "the gzip data is damaged" in message


def test_json_number_too_long_to_convert(tmp_path):
    """Fuzzing (orgs.json, capacities.json): json.loads raises ValueError, not JSONDecodeError,
    for an integer of more than sys.get_int_max_str_digits() digits; it was a traceback."""
    message = rejected(tmp_path, "orgs", "orgs.json", b'[{"pk": 1,\n "model": ' + b"9" * 5000 + b"}]")
    assert "orgs.json, line 2: not accepted: a number of more than 4,300 digits" in message


def test_yaml_number_too_long_to_convert(tmp_path):
    """Fuzzing (mappings, roles, badges, training YAML): PyYAML's int() raised ValueError."""
    message = rejected(tmp_path, "mappings", "mappings.yaml", b"querying-wikidata: [113]\nsources: " + b"9" * 5000)
    assert "mappings.yaml, line 2: not accepted: a number of more than 4,300 digits" in message


def test_yaml_date_that_does_not_exist(tmp_path):
    """Fuzzing: PyYAML reads 2024-13-45 as a timestamp and raised ValueError (month must be in 1..12)."""
    message = rejected(tmp_path, "roles", "roles.yaml", b"treasurer: 2024-13-45\n")
    assert "roles.yaml: not accepted: a value cannot be read (month must be in 1..12)" in message
