"""`maarifa peers` and `maarifa skills-map`: tables, --json, --csv, errors; documented in the README."""

from __future__ import annotations

import json

from click.testing import CliRunner

from maarifa.cli import main

from .conftest import ROOT


def run(data_dir, *args):
    return CliRunner().invoke(main, ["--data-dir", str(data_dir), *args])


def test_peers_table_and_json(community_dir):
    result = run(community_dir, "peers", "--skill", "11", "--speaks", "sw:3")
    assert result.exit_code == 0, result.output
    assert "pia" in result.output and "why" in result.output and "mona" not in result.output
    assert "Kenya" in result.output and "speaks Swahili (4 of 5)" in result.output
    assert "pete" not in result.output  # speaks Swahili at 2 only
    learners = run(community_dir, "peers", "--skill", "13", "--status", "wanted")
    assert "pete" in learners.output and "pia" not in learners.output
    assert "pete" not in run(community_dir, "peers", "--skill", "13").output  # default: who holds it
    assert run(community_dir, "peers", "--lang", "sw").exit_code == 2  # the old name is gone
    data = json.loads(run(community_dir, "peers", "--skill", "11", "--member", "--json").output)
    assert "mona" in [r["username"] for r in data["results"]]
    assert "priv" in run(community_dir, "peers", "--admin", "--territory", "KE").output


def test_skills_map_table_json_csv(community_dir):
    table = run(community_dir, "skills-map", "--org", "AM")
    assert table.exit_code == 0 and "finance" in table.output and "MISSING" in table.output
    data = json.loads(run(community_dir, "skills-map", "--territory", "002", "--json").output)
    assert data["people"] == 2
    csv_text = run(community_dir, "skills-map", "--org", "AM", "--csv").output
    assert csv_text.startswith("skill,code,label,")


def test_skills_map_says_why_a_community_is_empty(community_dir):
    result = run(community_dir, "skills-map", "--org", "WMB")
    assert result.exit_code == 0
    assert "nobody in this community is visible to you" in result.output and "--member" in result.output
    assert "MISSING" not in result.output


def test_user_errors_are_one_line_and_exit_1(community_dir):
    for args in (["peers", "--skill", "nonsense"], ["peers", "--level", "9"], ["peers", "--speaks", "sw:7"],
                 ["peers", "--territory", "ZZ"], ["skills-map"], ["skills-map", "--org", "NOPE"]):
        result = run(community_dir, *args)
        assert result.exit_code == 1, args
        assert result.output.startswith("error: ") and "Traceback" not in result.output


def test_commands_and_endpoints_are_documented():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for text in ("maarifa peers", "maarifa skills-map", "maarifa erase", "/api/peers", "/api/mentors",
                 "/api/skills-map", "/api/people/", "/api/openapi.json", "bench/peers_bench.py"):
        assert text in readme, text


def test_peers_with_an_unknown_names_language_still_answers(community_dir):
    result = run(community_dir, "peers", "--speaks", "sw:4", "--ui-lang", "zz")
    assert result.exit_code == 0, result.output
    assert "speaks Swahili (4 of 5)" in result.output and "Traceback" not in result.output
