"""Fuzzing the import commands as a user runs them (issue 13): ``maarifa ingest KIND`` on a
sample of the importers and ``maarifa load`` on RDF in each format, through the click command
line in-process. Exit 0, or exit 1 with one ``error:`` message naming the file, never a
traceback, and the store as it was (:class:`tests.fuzz.importing.CliNode`).

Each command opens and closes the store, so these targets run a quarter of the profile's
examples: the in-process targets (test_ingest_files.py) are where the importers are fuzzed
at length, these check that what they raise reaches the user as a message.
"""

from __future__ import annotations

import bz2
import gzip

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from .importing import DATA, FIXTURES, CliNode
from .mutations import mutated_bytes, mutated_document
from .test_ingest_files import RDF_FORMATS, rdf_seed

SAMPLE = settings(max_examples=max(5, settings.default.max_examples // 4))
DUMP = DATA / "mediawiki_dumps" / "article-pear.xml"


@pytest.fixture(scope="module")
def cli(tmp_path_factory):
    node = CliNode(tmp_path_factory.mktemp("fuzz-cli") / "data")
    result = node.invoke("ingest", "taxonomy", DATA / "capx_taxonomy")
    assert result.exit_code == 0, result.output
    return node


@SAMPLE
@given(damaged=mutated_document((FIXTURES / "people-good.csv").read_bytes(), "csv"))
def test_ingest_people(cli, damaged):
    path = cli.example_dir() / "people.csv"
    path.write_bytes(damaged)
    cli.check("ingest", "people", path, file=path)


@SAMPLE
@given(suffix=st.sampled_from(["", ".bz2", ".gz"]), data=st.data())
def test_ingest_mediawiki(cli, suffix, data):
    compress = {"": bytes, ".bz2": bz2.compress, ".gz": gzip.compress}[suffix]
    path = cli.example_dir() / (DUMP.name + suffix)
    path.write_bytes(compress(data.draw(mutated_bytes(DUMP.read_bytes()))))
    cli.check("ingest", "mediawiki", path, file=path)


@pytest.mark.parametrize("extension", sorted(RDF_FORMATS))
@SAMPLE
@given(data=st.data())
def test_load(cli, extension, data):
    seed = rdf_seed(extension)
    path = cli.example_dir() / f"fuzzed.{extension}"
    path.write_bytes(data.draw(mutated_document(seed, "json" if extension == "jsonld" else extension)))
    cli.check("load", path, file=path)


@SAMPLE
@given(extension=st.sampled_from(sorted(RDF_FORMATS)), data=st.data())
def test_ingest_rdf(cli, extension, data):
    path = cli.example_dir() / f"fuzzed.{extension}"
    path.write_bytes(data.draw(mutated_bytes(rdf_seed(extension))))
    cli.check("ingest", "rdf", path, file=path)
