"""Fuzzing the training importer (issue 13): a folder of WikiEdu YAML files (a library, a
module and its thirteen slides, copied from demo/data) with one file damaged, or the folder's
layout damaged (a file gone, a slide twice, an empty or foreign file), imported through
:func:`ingest.run_import` into a real on-disk store that already holds that training."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from .importing import DATA, Node
from .mutations import mutated_document, nasty_text

CONTENT = DATA / "wikiedu_training" / "training_content" / "wiki_ed"
MODULE = "databases-and-linked-data"
#: the files of the small training folder, relative to its root
FILES = sorted(["libraries/wikidata-professional.yml", f"modules/{MODULE}.yml"]
               + [str(p.relative_to(CONTENT)) for p in (CONTENT / "slides" / f"51-{MODULE}").glob("*.yml")])


@pytest.fixture(scope="module")
def seed(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("training-seed")
    for name in FILES:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(CONTENT / name, root / name)
    return root


@pytest.fixture(scope="module")
def node(tmp_path_factory, seed):
    loaded = Node(tmp_path_factory.mktemp("fuzz-training"),
                  [("taxonomy", DATA / "capx_taxonomy", {}), ("training", seed, {})])
    yield loaded
    loaded.close()


def copy_of(seed: Path, folder: Path) -> Path:
    root = folder / "training"
    shutil.copytree(seed, root)
    return root


def names_in(root: Path) -> set[str]:
    """What an error may be located in: a file (or folder) of the input, by its path under the
    root or its name, or the root itself."""
    paths = {str(p.relative_to(root)) for p in root.rglob("*")}
    return paths | {Path(p).name for p in paths} | {root.name}


@given(file=st.sampled_from(FILES), data=st.data())
def test_one_file_damaged(node, seed, file, data):
    root = copy_of(seed, node.example_dir())
    damaged = data.draw(mutated_document((seed / file).read_bytes(), "yaml"), label=file)
    (root / file).write_bytes(damaged)
    node.check_import("training", root, names=names_in(root), restore=(seed, {}))


@given(file=st.sampled_from(FILES), change=st.sampled_from(["remove", "twice", "empty", "foreign", "folder"]),
       text=nasty_text())
def test_layout_damaged(node, seed, file, change, text):
    root = copy_of(seed, node.example_dir())
    path = root / file
    if change == "remove":
        path.unlink()
    elif change == "twice":  # the same slug in two files
        shutil.copy(path, path.with_name("copy-" + path.name))
    elif change == "empty":
        path.write_bytes(b"")
    elif change == "foreign":  # a file of another kind among the YAML ones
        path.with_suffix(".yml.orig").write_text(text, encoding="utf-8")
        path.with_name("notes.yml").write_bytes(text.encode("utf-16"))
    else:  # a folder where a file was
        path.unlink()
        path.mkdir()
    node.check_import("training", root, names=names_in(root), restore=(seed, {}))
