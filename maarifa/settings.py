"""Settings: declared once, each with a default and a help text, read once at start-up.

Precedence: command-line flag, then the ``MAARIFA_*`` environment variable, then the TOML
settings file (``--config``, default ``maarifa.toml`` in the data directory), then the default.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Mapping

from graph.errors import MaarifaError


DEFAULT = "default"


def setting(default, help: str):
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class Settings:
    data_dir: Path = setting(Path("./maarifa-data"), "Directory holding the store, keys, tokens and indexes.")
    base_url: str = setting("http://127.0.0.1:5000", "Public base URL of this node; instance IRIs are minted under it. "
                            "Stored in the store by `maarifa init`; unset, the stored one is used; another one is "
                            "refused (change it with `maarifa rebase`).")
    host: str = setting("127.0.0.1", "Address `maarifa serve` binds to.")
    port: int = setting(5000, "Port `maarifa serve` listens on.")
    threads: int = setting(8, "Worker threads of the web server (one process owns the store).")
    query_timeout: float = setting(30.0, "Seconds a SPARQL query may run before its worker process is stopped.")
    query_result_limit: int = setting(10000, "Most rows or triples a SPARQL query returns.")
    max_literal: int = setting(1_000_000, "Longest literal (characters) a write accepts.")
    max_upload_bytes: int = setting(16 * 1024 * 1024, "Largest request body the web app accepts.")
    session_idle_seconds: int = setting(3600, "Seconds without a request after which a login session ends.")
    session_max_seconds: int = setting(8 * 3600, "Seconds after login at which a session ends, however busy.")
    login_max_failures: int = setting(10, "Failed logins per account, and per client address, let through in the window.")
    login_window_seconds: int = setting(900, "The sliding window (seconds) in which failed logins are counted.")
    max_expanded_bytes: int = setting(2 * 1024 ** 3, "Most bytes a compressed import file (a .bz2 or .gz MediaWiki dump) may expand to.")
    max_xml_text_bytes: int = setting(64 * 1024 ** 2, "Most bytes of an XML import between two tags (one page's text of a MediaWiki dump).")
    max_file_bytes: int = setting(512 * 1024 ** 2, "Largest input `maarifa ingest` reads whole (JSON, YAML, CSV, RDF; a folder counts all its files).")
    node_name: str = setting("Maarifa", "Name of this node's organization (shown in pages; the badge issuer).")
    issuer_name: str = setting("", "Name of the Open Badges issuer (empty: node_name).")
    issuer_url: str = setting("", "URL of the Open Badges issuer (empty: the base URL).")
    issuer_email: str = setting("", "Contact e-mail of the Open Badges issuer, published in the issuer profile.")
    sparql_timeout: float = setting(10.0, "Seconds a public /sparql query may run before its worker process is killed.")
    sparql_workers: int = setting(2, "Worker processes running public SPARQL queries side by side.")
    sparql_max_query_bytes: int = setting(100_000, "Largest SPARQL query text /sparql accepts.")
    sparql_max_result_bytes: int = setting(1_000_000, "Largest /sparql result (bytes, as sent); a longer one is cut at a "
                                           "row boundary and says so in the Maarifa-Results-Truncated header.")
    sparql_max_requests: int = setting(4, "Most /sparql requests served at once, each holding a web thread; more are "
                                       "answered 503 at once. More than sparql_workers, fewer than threads.")
    sparql_spare_workers: int = setting(1, "Query worker processes kept started and idle, so a query that stops a "
                                        "runaway one never waits for a process to start.")
    sparql_fast_lane_workers: int = setting(1, "Worker processes only for light /sparql queries (SELECT or ASK over at "
                                            "most one triple pattern), which runaway queries never reach; 0: none.")
    sparql_fast_lane_seconds: float = setting(1.0, "Seconds a light query may run on the fast lane; one still running "
                                              "then runs again on the shared workers, and its client skips the fast "
                                              "lane for sparql_cooldown_seconds.")
    sparql_protected_seconds: float = setting(0.25, "A public query that has run less than this is never stopped to "
                                              "make room for another client's query.")
    sparql_client_concurrency: int = setting(1, "Most /sparql queries one client (address) runs at once; more are "
                                             "answered 429.")
    sparql_client_rate: str = setting("20/10 seconds", "Most /sparql queries one client (address) sends in a moving "
                                      "window (COUNT/PERIOD, e.g. \"60 per minute\"); more are answered 429.")
    sparql_cooldown_seconds: float = setting(60.0, "Seconds a client's queries are refused (429) after one of them had "
                                             "to be stopped: at sparql_timeout, or as the oldest running query when "
                                             "another client needed its worker.")
    trusted_proxies: str = setting("", "Addresses or networks (comma-separated) of reverse proxies whose "
                                   "X-Forwarded-For names the client; empty: the connecting address is the client.")
    replica_retry_after: int = setting(30, "Seconds /sparql asks a caller to wait (Retry-After) while the public data is first prepared at start.")
    republish_harvested: bool = setting(False, "Serve data harvested from peers on this node's public endpoint too.")
    federation_timeout: float = setting(2.0, "Seconds a federated search waits for each peer node.")
    search_backend: str = setting("embedded", "Search backend: embedded (SQLite FTS5 in the data directory), opensearch, or none.")
    opensearch_url: str = setting("http://127.0.0.1:9250", "URL of the OpenSearch cluster (search_backend = opensearch).")
    opensearch_user: str = setting("", "User name for OpenSearch (empty: no authentication).")
    opensearch_password: str = setting("", "Password for OpenSearch.")
    opensearch_verify_tls: bool = setting(True, "Verify the OpenSearch cluster's TLS certificate.")
    opensearch_index_prefix: str = setting("maarifa", "Index and alias names start with this ({prefix}-{type}).")
    search_fallback: bool = setting(True, "Search the embedded index while OpenSearch is unreachable.")

    @property
    def sparql_fast_lane_places(self) -> int:
        """Web threads light /sparql queries may hold beside sparql_max_requests: one per fast
        worker and one for the query that stops the oldest (0 without a fast lane)."""
        return self.sparql_fast_lane_workers + 1 if self.sparql_fast_lane_workers > 0 else 0

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in fields(cls)]

    @classmethod
    def help(cls) -> dict[str, str]:
        return {f.name: f.metadata["help"] for f in fields(cls)}

    @classmethod
    def env_name(cls, name: str) -> str:
        return "MAARIFA_" + name.upper()

    @classmethod
    def load(cls, flags: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None,
             config: Path | None = None) -> "Settings":
        return cls.load_with_origins(flags, environ, config)[0]

    @classmethod
    def load_with_origins(cls, flags: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None,
                          config: Path | None = None) -> tuple["Settings", dict[str, str]]:
        """The settings, and where each value came from: its flag (``--base-url``), its
        environment variable, the settings file's path, or ``"default"``."""
        flags = {k: v for k, v in (flags or {}).items() if v is not None}
        environ = os.environ if environ is None else environ
        env = {n: environ[cls.env_name(n)] for n in cls.names() if cls.env_name(n) in environ}
        data_dir = Path(flags.get("data_dir") or env.get("data_dir") or cls.data_dir)
        config_path = Path(config) if config else data_dir / "maarifa.toml"
        from_file = {}
        if config_path.is_file():
            try:
                from_file = tomllib.loads(config_path.read_text(encoding="utf-8"))
            except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
                raise MaarifaError(f"{config_path}: not valid TOML: {exc}") from None
            unknown = sorted(set(from_file) - set(cls.names()))
            if unknown:
                raise MaarifaError(f"{config_path}: unknown setting(s) {', '.join(unknown)}; "
                                   f"known: {', '.join(cls.names())}")
        elif config:
            raise MaarifaError(f"{config_path}: settings file not found")
        values, origins = {}, {}
        for f in fields(cls):
            origins[f.name] = DEFAULT
            layers = ((flags, "--" + f.name.replace("_", "-")), (env, cls.env_name(f.name)), (from_file, str(config_path)))
            for layer, origin in layers:
                if f.name in layer:
                    values[f.name] = _coerce(f, layer[f.name])
                    origins[f.name] = origin
                    break
        values["data_dir"] = data_dir if "data_dir" not in values else values["data_dir"]
        settings = cls(**values)
        _check_formats(settings)
        return settings, origins


def _check_formats(settings: Settings) -> None:
    """Settings written in a notation of their own are read at start-up, not at the first request."""
    from graph.sparql_admission import parse_networks, parse_rate

    for name, read in (("sparql_client_rate", parse_rate), ("trusted_proxies", parse_networks)):
        try:
            read(getattr(settings, name))
        except MaarifaError as exc:
            raise MaarifaError(f"setting {name}: {exc}") from None


def check_serving(settings: Settings) -> None:
    """What ``maarifa serve`` needs of the settings together: /sparql holds a bounded share of
    the web threads, and within it room for one query more than the workers run (the one that
    stops the oldest runaway)."""
    if settings.sparql_workers < 1:
        raise MaarifaError(f"setting sparql_workers ({settings.sparql_workers}) must be at least 1")
    if settings.sparql_max_requests <= settings.sparql_workers:
        raise MaarifaError(f"setting sparql_max_requests ({settings.sparql_max_requests}) must be larger than "
                           f"sparql_workers ({settings.sparql_workers}): a new query must be able to reach the "
                           f"workers to stop the oldest running one")
    if settings.sparql_max_requests >= settings.threads:
        raise MaarifaError(f"setting sparql_max_requests ({settings.sparql_max_requests}) must be smaller than "
                           f"threads ({settings.threads}): /sparql would hold every web thread")
    fast = settings.sparql_fast_lane_places
    if fast and settings.sparql_max_requests + fast >= settings.threads:
        raise MaarifaError(f"settings sparql_max_requests ({settings.sparql_max_requests}) and the fast lane's "
                           f"{fast} places (sparql_fast_lane_workers + 1) must add up to fewer than threads "
                           f"({settings.threads}): /sparql would hold every web thread")
    if settings.sparql_fast_lane_workers < 0 or (fast and settings.sparql_fast_lane_seconds <= 0):
        raise MaarifaError("settings sparql_fast_lane_workers must be 0 or more and sparql_fast_lane_seconds "
                           "more than 0")


def _coerce(f, value):
    kind = type(f.default)
    try:
        if kind is Path:
            return Path(value)
        if kind is bool and isinstance(value, str):
            return value.lower() in ("1", "true", "yes", "on")
        return kind(value)
    except (TypeError, ValueError):
        raise MaarifaError(f"setting {f.name}: {value!r} is not a valid {kind.__name__}") from None
