"""`maarifa rebase` on the OpenSearch backend: a cluster that was down during the rebase is
rebuilt from the change feed's rebase entry once it answers (nothing is lost)."""

from __future__ import annotations

import json
import uuid

from graph.rebase import is_under
from search.opensearch import OpenSearchBackend

from ..maarifa.test_rebase import NEW, OLD, clean_environment, make_node, search_ids  # noqa: F401
from ..maarifa.test_cli import run


def test_a_search_cluster_that_was_down_catches_up_from_the_feed(data_dir, tmp_path, monkeypatch, opensearch_url):
    prefix = f"test-rebase-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("MAARIFA_SEARCH_BACKEND", "opensearch")
    monkeypatch.setenv("MAARIFA_SEARCH_FALLBACK", "false")
    monkeypatch.setenv("MAARIFA_OPENSEARCH_INDEX_PREFIX", prefix)
    monkeypatch.setenv("MAARIFA_OPENSEARCH_URL", opensearch_url)
    try:
        make_node(data_dir, tmp_path)  # indexed in OpenSearch under OLD
        monkeypatch.setenv("MAARIFA_OPENSEARCH_URL", "http://127.0.0.1:9")  # nothing listens there
        moved = run("--data-dir", data_dir, "rebase", NEW, "--yes", "--json")
        assert moved.exit_code == 0, moved.output
        index = json.loads(moved.output)["index"]
        assert index["rebuilt"] is False and "unreachable" in index["error"] and index["lag"] > 0
        monkeypatch.setenv("MAARIFA_OPENSEARCH_URL", opensearch_url)
        ids = search_ids(data_dir, "Licensing")
        assert NEW + "/id/skill/18" in ids and not [i for i in ids if is_under(i, OLD)]
        assert not [i for i in search_ids(data_dir, "Ada") if is_under(i, OLD)]
    finally:
        OpenSearchBackend(opensearch_url, prefix=prefix).drop()
