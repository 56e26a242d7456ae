"""The command line as a user meets it: exit codes, one readable message, no traceback."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

from maarifa.cli import main
from maarifa.settings import Settings

from ..conftest import FIXTURES, ROOT

VALID = FIXTURES / "shapes" / "valid.ttl"


def run(*args, input=None):
    result = CliRunner().invoke(main, [str(a) for a in args], input=input)
    assert "Traceback" not in (result.output + (result.stderr or "")), result.output
    return result


@pytest.fixture
def initialised(data_dir):
    assert run("--data-dir", data_dir, "init").exit_code == 0
    return data_dir


def test_init_is_idempotent_and_keeps_the_secret(initialised):
    secret = (initialised / "secret.key").read_bytes()
    again = run("--data-dir", initialised, "init")
    assert again.exit_code == 0 and "nothing changed" in again.output
    assert (initialised / "secret.key").read_bytes() == secret
    assert oct((initialised / "secret.key").stat().st_mode & 0o777) == "0o600"


def test_load_validate_query_export(initialised, tmp_path):
    loaded = run("--data-dir", initialised, "load", VALID, "--graph", "https://example.org/graph/sample")
    assert loaded.exit_code == 0, loaded.output
    assert "added" in loaded.output
    assert "unchanged" in run("--data-dir", initialised, "load", VALID, "--graph", "https://example.org/graph/sample").output
    assert run("--data-dir", initialised, "validate").exit_code == 0
    csv = run("--data-dir", initialised, "query", "SELECT ?n WHERE { ?s skos:notation ?n } ORDER BY ?n", "--format", "csv")
    assert csv.exit_code == 0 and csv.output.splitlines()[:3] == ["n", "1", "113"]
    turtle = run("--data-dir", initialised, "query", "CONSTRUCT WHERE { ?s a mf:Person }", "--format", "turtle")
    assert "mf:Person" in turtle.output or "maarifa/ns#Person" in turtle.output
    out = tmp_path / "dump.trig"
    assert run("--data-dir", initialised, "export", "-o", out).exit_code == 0
    assert "https://example.org/graph/sample" in out.read_text()


def test_backup_and_restore(initialised, tmp_path):
    run("--data-dir", initialised, "load", VALID)
    assert run("--data-dir", initialised, "backup", tmp_path / "bk").exit_code == 0
    run("--data-dir", initialised, "load", FIXTURES / "shapes" / "valid.ttl", "--graph", "https://example.org/graph/extra")
    restored = run("--data-dir", initialised, "restore", tmp_path / "bk")
    assert restored.exit_code == 0, restored.output
    export = run("--data-dir", initialised, "export", "--format", "nquads").output
    assert "https://example.org/graph/extra" not in export and "valid/public" in export
    assert run("--data-dir", initialised, "backup", tmp_path / "bk").exit_code == 1  # exists: refused


@pytest.mark.parametrize("content, expected", [
    ("@prefix ex: <http://e/> .\nex:a ex:b \"open .\n", r"bad.ttl, line 2, column \d+"),
    ("<http://e/a> a <https://w3id.org/maarifa/ns#Person> .\n", r"mf#|maarifa/ns#|violation"),
])
def test_bad_files_give_one_located_message(initialised, tmp_path, content, expected):
    bad = tmp_path / "bad.ttl"
    bad.write_text(content)
    result = run("--data-dir", initialised, "load", bad)
    assert result.exit_code == 1
    assert re.search(expected, result.output)
    assert run("--data-dir", initialised, "query", "ASK { ?s ?p ?o }").output.strip().endswith("false}")


def test_violations_point_at_the_line_of_the_file(initialised, tmp_path):
    bad = tmp_path / "person.ttl"
    bad.write_text("@prefix mf: <https://w3id.org/maarifa/ns#> .\n\n<http://127.0.0.1:5000/id/person/x> a mf:Person ;\n"
                   "  mf:username \"x\" .\n")
    result = run("--data-dir", initialised, "load", bad)
    assert result.exit_code == 1 and "person.ttl, line 3" in result.output


def test_validate_a_file_without_loading_it(initialised, tmp_path):
    bad = FIXTURES / "shapes" / "invalid" / "level-5.ttl"
    result = run("--data-dir", initialised, "validate", bad, "--json")
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert not report["conforms"] and report["violations"][0]["path"].endswith("#level")


def test_missing_data_dir_suggests_init(tmp_path):
    for args in (["validate"], ["query", "ASK {}"], ["load", VALID], ["token", "create", "--role", "admin", "--name", "x"]):
        result = run("--data-dir", tmp_path / "none", *args)
        assert result.exit_code == 1 and "maarifa init" in result.output


def test_usage_errors_exit_2(initialised):
    assert run("--data-dir", initialised, "token", "create", "--role", "king", "--name", "x").exit_code == 2
    assert run("--data-dir", initialised, "nonsense").exit_code == 2


def test_unknown_format_and_malformed_query(initialised, tmp_path):
    odd = tmp_path / "data.xyz"
    odd.write_text("x")
    assert "unknown RDF format" in run("--data-dir", initialised, "load", odd).output
    result = run("--data-dir", initialised, "query", "SELECT * WHERE { ?s")
    assert result.exit_code == 1 and "malformed query" in result.output


def test_store_held_by_a_server_is_named(initialised):
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from graph.lock import ProcessLock; "
         "ProcessLock(sys.argv[1]).acquire('maarifa serve on 127.0.0.1:5000'); print('held', flush=True); time.sleep(60)",
         str(initialised)], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert holder.stdout.readline().strip() == "held"
        result = subprocess.run([sys.executable, "-m", "maarifa.cli", "--data-dir", str(initialised), "load", str(VALID)],
                                capture_output=True, text=True, cwd=ROOT)
        assert result.returncode == 1
        assert f"process {holder.pid} (maarifa serve on 127.0.0.1:5000)" in result.stderr
        assert "Traceback" not in result.stderr
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()


def test_tokens_listed_without_secrets(initialised):
    token = run("--data-dir", initialised, "token", "create", "--role", "trainer", "--name", "badge bot").output.strip()
    assert token.startswith("mf_")
    listing = run("--data-dir", initialised, "token", "list", "--json")
    rows = json.loads(listing.output)
    assert rows[0]["role"] == "trainer" and token.split("_")[2] not in listing.output


def test_settings_precedence(tmp_path, monkeypatch):
    data = tmp_path / "d"
    data.mkdir()
    (data / "maarifa.toml").write_text('port = 7000\nthreads = 3\nbase_url = "https://file.example"\n')
    monkeypatch.setenv("MAARIFA_PORT", "6000")
    monkeypatch.setenv("MAARIFA_DATA_DIR", str(data))
    settings = Settings.load({"port": 5555})
    assert settings.port == 5555  # flag beats environment
    assert Settings.load({}).port == 6000  # environment beats file
    assert settings.threads == 3 and settings.base_url == "https://file.example"  # file beats default
    assert settings.query_timeout == 30.0  # default


def test_bad_settings_file(tmp_path):
    data = tmp_path / "d"
    data.mkdir()
    (data / "maarifa.toml").write_text("colour = 'blue'\n")
    result = run("--data-dir", data, "settings")
    assert result.exit_code == 1 and "unknown setting(s) colour" in result.output


def test_every_setting_and_command_is_documented():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in Settings.names():
        assert f"`{name}`" in readme, f"setting {name} is not in the README"
    for name, command in main.commands.items():
        assert f"maarifa {name}" in readme, f"command {name} is not in the README"
        for sub in getattr(command, "commands", {}):
            assert f"{sub}" in readme


def test_serve_answers_health_over_http(initialised):
    port = 5600 + os.getpid() % 300
    server = subprocess.Popen([sys.executable, "-m", "maarifa.cli", "--data-dir", str(initialised), "serve",
                               "--port", str(port)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        import urllib.request
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as response:
                    body = json.loads(response.read())
                    server_header = response.headers.get("Server", "")
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("the server did not answer")
        assert body["store"]["ok"] is True
        assert "waitress" in server_header or "maarifa" in server_header
    finally:
        server.terminate()
        server.wait(10)
        server.stdout.close()
