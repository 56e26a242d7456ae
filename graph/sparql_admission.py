"""Who may run a public SPARQL query now: per-client limits in front of the worker pool.

An anonymous client is known by its address only, so every limit is per address:

- **concurrency**: at most ``concurrency`` of its queries run at once;
- **rate**: at most so many queries in a moving window (``limits``' moving-window strategy,
  the one Flask-Limiter uses; ``"20/10 seconds"``);
- **cool-down**: a client whose query had to be stopped (it reached the time limit, or it was
  the oldest running query when another client needed its worker) starts no query for
  ``cooldown_seconds``. That is what keeps stopping the oldest query cheap: each runaway
  costs its sender the right to send another for a while, so many clients sending runaways
  stop each other once each, not in a loop.

And two lanes (``PublicQueries``): a **light** query (sparql_guard.is_light: SELECT or ASK over
at most one triple pattern) runs first on the fast lane, workers of its own where no query
runs longer than a short budget; the runaway queries of the threat model never reach it, so a
small query finds a worker there however many clients keep the shared workers busy.

A refused query is answered at once, 429 with ``Retry-After`` (RFC 6585, 4); the pool
(sparql_pool.py) answers 503 with ``Retry-After`` when no worker can be had.
"""

from __future__ import annotations

import ipaddress
import math
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from .errors import MaarifaError, QueryPreempted, QueryTimeout, ServiceBusy, TooManyRequests
from .query import QueryOutput
from .sparql_pool import QueryRequest, SparqlPool


def parse_rate(text: str) -> RateLimitItem:
    """``"20/10 seconds"``, ``"60 per minute"`` (the ``limits`` notation), or a readable error."""
    try:
        return parse(text)
    except ValueError:
        raise MaarifaError(f"{text!r} is not a rate limit; write it as COUNT/PERIOD, "
                           f"e.g. \"20/10 seconds\" or \"60 per minute\"") from None


def parse_networks(text: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """``"127.0.0.1, 10.0.0.0/8"``: the networks of trusted reverse proxies (``trusted_proxies``)."""
    networks = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise MaarifaError(f"{item!r} is not an IP address or network (write 127.0.0.1 or 10.0.0.0/8)") from None
    return tuple(networks)


def client_address(remote_addr: str | None, forwarded_for: str | None, trusted: tuple) -> str:
    """Who sent a request: the connecting address, unless that is a trusted proxy; then the
    nearest address in ``X-Forwarded-For`` that is not a trusted proxy (each proxy appends the
    address it was reached from, so entries left of an untrusted one could be made up)."""
    address = remote_addr or "unknown"
    if not trusted or not forwarded_for or not _within(address, trusted):
        return address
    for hop in reversed([part.strip() for part in forwarded_for.split(",") if part.strip()]):
        if not _within(hop, trusted):
            return hop
    return address


def _within(address: str, networks: tuple) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


@dataclass(frozen=True)
class ClientPolicy:
    concurrency: int = 1
    rate: str = "20/10 seconds"
    cooldown_seconds: float = 60.0


class ClientLimits:
    """Per-client concurrency, rate and cool-down; thread-safe, in memory (one process serves)."""

    def __init__(self, policy: ClientPolicy, clock=time.monotonic):
        self.policy = policy
        self._rate = parse_rate(policy.rate)
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self._clock = clock
        self._lock = threading.Lock()
        self._in_flight: dict[str, int] = {}
        self._cooling: dict[str, float] = {}  # client -> when it may query again
        self._off_fast_lane: dict[str, float] = {}  # client -> when it may use the fast lane again

    @contextmanager
    def admit(self, client: str):
        """Hold one of ``client``'s places for the duration of a query, or :class:`TooManyRequests`."""
        with self._lock:
            now = self._clock()
            until = self._cooling.get(client)
            if until is not None and until > now:
                raise TooManyRequests(f"a query from {client} had to be stopped recently; this endpoint takes no "
                                      f"query from it for {self.policy.cooldown_seconds:g} s after that",
                                      retry_after=math.ceil(until - now))
            if self._in_flight.get(client, 0) >= self.policy.concurrency:
                raise TooManyRequests(f"{client} already has {self.policy.concurrency} quer"
                                      f"{'y' if self.policy.concurrency == 1 else 'ies'} running here; "
                                      f"send the next one when it has answered", retry_after=1)
            if not self._limiter.hit(self._rate, client):
                reset = self._limiter.get_window_stats(self._rate, client).reset_time
                raise TooManyRequests(f"{client} sent more than {self._rate.amount} queries in "
                                      f"{self._rate.get_expiry()} s", retry_after=max(1, math.ceil(reset - time.time())))
            self._in_flight[client] = self._in_flight.get(client, 0) + 1
        try:
            yield
        finally:
            with self._lock:
                left = self._in_flight[client] - 1
                if left:
                    self._in_flight[client] = left
                else:
                    del self._in_flight[client]

    def cool_down(self, client: str) -> int:
        """``client`` starts no query for the cool-down; returns its length in whole seconds."""
        self._hold(self._cooling, client)
        return math.ceil(self.policy.cooldown_seconds)

    def keep_off_fast_lane(self, client: str) -> None:
        """``client``'s queries skip the fast lane for the cool-down: one of them looked light
        and ran past the lane's budget."""
        self._hold(self._off_fast_lane, client)

    def may_use_fast_lane(self, client: str) -> bool:
        with self._lock:
            until = self._off_fast_lane.get(client)
            return until is None or until <= self._clock()

    def _hold(self, table: dict[str, float], client: str) -> None:
        """Put ``client`` in ``table`` until the cool-down is over."""
        with self._lock:
            now = self._clock()
            for other in [c for c, until in table.items() if until <= now]:
                del table[other]  # forgotten once over: the table holds only current ones
            table[client] = now + self.policy.cooldown_seconds


class PublicQueries:
    """The public endpoint's way to run a query: ``with admit(client): run(request, client)``.

    Admission comes first and is cheap, so a client over its limits is refused before its
    query is even read; a query that has to be stopped puts its client in its cool-down.

    A light query may try ``run_fast`` first: the fast lane, with ``fast_seconds`` to answer.
    When every fast worker is busy, or the query is still running at the budget (it looked
    light and is not), the caller runs it on the shared workers; after an overrun its client
    skips the fast lane for its cool-down, so an address holds a fast worker for at most
    ``fast_seconds`` once per cool-down. Neither costs the client a cool-down of the shared
    workers: the query may well be legitimate, and it still answers."""

    def __init__(self, pool: SparqlPool, limits: ClientLimits, timeout: float,
                 fast_lane: SparqlPool | None = None, fast_seconds: float = 1.0):
        self.pool, self.limits, self.timeout = pool, limits, timeout
        self.fast_lane, self.fast_seconds = fast_lane, fast_seconds

    def admit(self, client: str):
        return self.limits.admit(client)

    def may_use_fast_lane(self, client: str) -> bool:
        return self.fast_lane is not None and self.limits.may_use_fast_lane(client)

    def run_fast(self, request: QueryRequest, client: str) -> QueryOutput | None:
        """The answer from the fast lane, or None: run it on the shared workers (``run``)."""
        try:
            return self.fast_lane.run(request, timeout=self.fast_seconds)
        except ServiceBusy:
            return None
        except (QueryTimeout, QueryPreempted):
            self.limits.keep_off_fast_lane(client)
            return None

    def run(self, request: QueryRequest, client: str) -> QueryOutput:
        try:
            return self.pool.run(request, timeout=self.timeout)
        except (QueryTimeout, QueryPreempted) as exc:
            exc.retry_after = self.limits.cool_down(client)
            raise
