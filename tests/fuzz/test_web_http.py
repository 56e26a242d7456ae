"""Malformed HTTP through a real server (issue 13): the web node's app served by waitress
(tests/served.py, what ``maarifa serve`` runs), sent raw bytes no client library would send —
bad percent-encoding, bytes that are not UTF-8 in the path and the query, a header too large
for the server, a Content-Length that does not match the body, chunked framing that is garbage.

Per family of targets (a page's query, an API read, the SPARQL endpoint, an API body, a Badgr
body, a form), each malformed request is answered below 500 (and with a 4xx where the HTTP
itself is broken), the node is unchanged, and the server keeps serving: the next good request,
on a new connection, answers 200."""

from __future__ import annotations

import socket

import pytest

from ..served import Served

#: (method, path with its query, caller) of each family: one route whose view reads what is damaged
FAMILIES = {
    "page query": ("GET", "/search?q=budget", "anonymous"),
    "api query": ("GET", "/api/peers?skill=12", "member"),
    "sparql": ("GET", "/sparql?query=ASK%20%7B%7D", "anonymous"),
    "api body": ("PATCH", "/api/people/fred", "self"),
    "badgr body": ("POST", "/v2/badgeclasses/budgets/assertions", "trainer"),
    "form": ("POST", "/login", "anonymous"),
}

BODY = b'{"name": "Fred"}'


def _request(method: str, target: bytes, headers: list[bytes], body: bytes = b"") -> bytes:
    return b"\r\n".join([method.encode("ascii") + b" " + target + b" HTTP/1.1", b"Host: 127.0.0.1",
                         b"Connection: close", *headers, b"", b""]) + body


def _with_query(path: str, extra: bytes) -> bytes:
    return path.encode("ascii") + (b"&" if "?" in path else b"?") + extra


#: name -> (builds the raw request from method, path and the caller's headers; whether the HTTP
#: itself is broken, so that the answer must be a 4xx rather than any answer below 500)
MALFORMED = {
    "bad percent-encoding": (lambda m, p, h: _request(m, _with_query(p, b"q=%zz%E2%8&%=%%"), h), False),
    "percent-encoded bytes that are not UTF-8": (
        lambda m, p, h: _request(m, _with_query(p, b"q=%FF%C3%28&%C0%AF=1"), h), False),
    "raw bytes that are not UTF-8 in the path": (
        lambda m, p, h: _request(m, p.split("?")[0].encode("ascii") + b"\xff\xfe%C3?q=\xc3\x28", h), False),
    "a header too large": (lambda m, p, h: _request(m, p.encode("ascii"), [*h, b"X-Big: " + b"a" * 300_000]), True),
    "Content-Length shorter than the body": (
        lambda m, p, h: _request(m, p.encode("ascii"), [*h, b"Content-Type: application/json", b"Content-Length: 3"],
                                 BODY + b"garbage that is not a request\r\n\r\n"), False),
    "Content-Length that is no number": (
        lambda m, p, h: _request(m, p.encode("ascii"), [*h, b"Content-Length: twelve"], BODY), True),
    "chunked garbage": (
        lambda m, p, h: _request(m, p.encode("ascii"), [*h, b"Transfer-Encoding: chunked"],
                                 b"zz\r\nhello\r\n-1\r\n\r\n"), True),
    # RFC 9112 6.3: Transfer-Encoding overrides Content-Length, so a server may answer this one
    # (waitress drops the Content-Length); what matters is that it does not take "hello" twice
    "chunked and Content-Length": (
        lambda m, p, h: _request(m, p.encode("ascii"), [*h, b"Transfer-Encoding: chunked", b"Content-Length: 5"],
                                 b"5\r\nhello\r\n0\r\n\r\n"), False),
    "a request line that is not HTTP": (lambda m, p, h: b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03\r\n\r\n", True),
}


@pytest.fixture(scope="module")
def served(web_node):
    server = Served(web_node.app).start()
    yield server
    server.stop()


def _statuses(port: int, raw: bytes, half_close: bool = False) -> tuple[list[int], bool]:
    """Send ``raw`` on a new connection and read until the server closes it: the status of each
    answer on it (Content-Length shorter than the body makes the rest a second request), and
    whether the server reset the connection. A server that refuses a request before reading all
    of it (a header too large) answers and closes with our bytes unread, which the kernel turns
    into a reset: so the bytes are sent from a thread while this one reads the answer."""
    import threading

    with socket.create_connection(("127.0.0.1", port), timeout=60) as conn:
        def send():
            try:
                conn.sendall(raw)
                if half_close:
                    conn.shutdown(socket.SHUT_WR)
            except OSError:  # the server stopped reading: its answer says why
                pass

        sender = threading.Thread(target=send, daemon=True)
        sender.start()
        received, reset = b"", False
        try:
            while chunk := conn.recv(65536):
                received += chunk
        except ConnectionResetError:
            reset = True
        sender.join(60)
    return [int(line.split(b" ")[1]) for line in received.split(b"\r\n") if line.startswith(b"HTTP/1.")], reset


def _caller_headers(node, caller: str) -> list[bytes]:
    return [f"{name}: {value}".encode("latin-1") for name, value in node.bearer(caller).items()]


@pytest.mark.parametrize("case", sorted(MALFORMED))
@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_malformed_http_is_refused_and_the_server_keeps_serving(web_node, served, family, case):
    method, path, caller = FAMILIES[family]
    build, broken = MALFORMED[case]
    web_node.settle()
    before = web_node.state()
    statuses, reset = _statuses(served.port, build(method, path, _caller_headers(web_node, caller)))
    # no answer only when the server refused to read on (a reset), never a silent close
    assert statuses or (broken and reset), f"{family}, {case}: no answer"
    assert all(status < 500 for status in statuses), f"{family}, {case}: {statuses}"
    if broken and statuses:
        assert 400 <= statuses[0] < 500, f"{family}, {case}: {statuses}"
    if not statuses or statuses[0] >= 400:
        web_node.settle()
        assert web_node.state() == before, f"{family}, {case}: refused, but the node changed"
    assert _statuses(served.port, _request("GET", b"/health", [])) == ([200], False)


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_a_body_shorter_than_its_content_length_changes_nothing(web_node, served, family):
    """The client stops sending before the body is whole: the server cannot answer a request
    it never got (waitress closes the connection), nothing is written, and it keeps serving."""
    method, path, caller = FAMILIES[family]
    web_node.settle()
    before = web_node.state()
    raw = _request(method, path.encode("ascii"), [*_caller_headers(web_node, caller),
                                                   b"Content-Type: application/json", b"Content-Length: 999"], BODY)
    statuses, _ = _statuses(served.port, raw, half_close=True)
    assert all(400 <= status < 500 for status in statuses), f"{family}: {statuses}"
    web_node.settle()
    assert web_node.state() == before
    assert _statuses(served.port, _request("GET", b"/health", [])) == ([200], False)
