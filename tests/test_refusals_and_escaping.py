"""What the endpoint refuses and with which status, what the SPARQL layer refuses before Oxigraph sees a query, and
that the viewer keeps document text as text: in-process, so that mutation testing (tests/mutation.py) can use them.

The endpoint runs in this process (``make_server`` + ``serve_in_thread`` on 127.0.0.1, an ephemeral port, a small
graph held in memory); requests go through raw sockets, so that every header is exactly what the test says.
"""

from __future__ import annotations

import contextlib
import html
import json
import multiprocessing
import re
import socket
import threading
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from helpers import raw_http

from kg.graph.sparql import (
    MAX_NESTING,
    MAX_OPERATORS,
    QueryError,
    Result,
    ServiceRefused,
    Shape,
    check,
    is_update,
    shape,
)
from kg.outputs.network import Document, Edge, Node, Quote
from kg.outputs.server import (
    MAX_BODY,
    Endpoint,
    Server,
    Settings,
    _holds,
    _host_port,
    _origin,
    _private,
    _text,
    _text_size,
    allowed_hosts,
    make_server,
    respond,
    serve_in_thread,
)
from kg.outputs.viz import LONGEST_LABEL, _escape_schemes, _html_text, _script_json, render, shown_label

EX = "http://example.org/"
READ_ONLY = b"this endpoint is read-only: SPARQL updates are refused\n"
NO_SERVICE = b"SERVICE calls other servers: this endpoint does not follow them\n"
WRONG_HOST = b"refused: the Host header does not name this server (DNS rebinding?)\n"
CROSS_SITE = b"refused: a cross-site request (from another origin)\n"
ASK = "ASK { ?s ?p ?o }"
ROWS = "SELECT ?s WHERE { ?s ?p ?o }"


def small_store(n: int = 5) -> ox.Store:
    """`n` triples ``ex:s{i} ex:p "v{i}"``."""
    store = ox.Store()
    for i in range(n):
        store.add(ox.Quad(ox.NamedNode(f"{EX}s{i}"), ox.NamedNode(f"{EX}p"), ox.Literal(f"v{i}")))
    return store


# ---------------------------------------------------------------------- the SPARQL layer's refusals
@pytest.mark.parametrize(
    "text",
    [
        "INSERT DATA { <a:b> <a:c> <a:d> }",
        "  delete where { ?s ?p ?o }",
        "LOAD <http://example.org/g>",
        "clear all",
        "CREATE GRAPH <a:g>",
        "DROP ALL",
        "COPY <a:g> TO <a:h>",
        "MOVE <a:g> TO <a:h>",
        "ADD <a:g> TO <a:h>",
        "WITH <a:g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
        "PREFIX ex: <http://example.org/#> INSERT DATA { ex:a ex:b ex:c }",
        "BASE <http://example.org/> PREFIX : <x#> DELETE DATA { :a :b :c }",
        "# a comment first\nINSERT DATA { <a:b> <a:c> <a:d> }",
        "# INSERT DATA\n  # another\n\tDROP ALL",
    ],
)
def test_updates_are_told_from_queries(text: str) -> None:
    """Every SPARQL update form, in any case, after prefixes and comments, is an update (and refused where only
    queries are allowed)."""
    assert is_update(text) is True


@pytest.mark.parametrize(
    "text",
    [
        ASK,
        "SELECT * WHERE { ?s ?p ?o } # INSERT DATA",
        "# DROP ALL\nSELECT * WHERE { ?s ?p ?o }",
        "PREFIX ex: <http://example.org/#INSERT> SELECT * WHERE { ?s ex:p ?o }",
        "SELECT ?insert WHERE { ?insert ?p ?o }",
        "DESCRIBE <a:b>",
        "INSERTION",
    ],
)
def test_queries_are_not_updates(text: str) -> None:
    """A query, even one whose comments, IRIs or variables spell an update's keyword, is not an update."""
    assert is_update(text) is False


@pytest.mark.parametrize(
    "text, expected",
    [
        ("SELECT * WHERE { ?s ?p ?o }", Shape(False, 1, 1)),
        ("SELECT * WHERE { { ( [ ] ) } }", Shape(False, 4, 1)),
        ("{ }", Shape(False, 1, 0)),
        ('"SERVICE" {', Shape(False, 1, 0)),
        ("'''SERVICE'''", Shape(False, 0, 0)),
        ("SERVICE", Shape(True, 0, 0)),
        ("{ { } { { } } }", Shape(False, 3, 0)),
        ("SELECT * WHERE { << ?s ?p ?o >> ?q ?r }", Shape(False, 2, 1)),
        ("} } } SELECT * WHERE { ?s ?p ?o }", Shape(False, 1, 1)),  # a stray close does not go below 0
        ("SELECT * WHERE { SERVICE <a:b> { } }", Shape(True, 2, 1)),
        ("select * where { service <a:b> { } }", Shape(True, 2, 1)),
        ("SELECT * WHERE { ?s ?p trueSERVICE<a:b> { } }", Shape(True, 2, 1)),
        ("SELECT * WHERE { SERVICEex:x { } }", Shape(True, 2, 1)),
        ("SELECT * WHERE { service:x { } }", Shape(True, 2, 1)),
        # where the word is not a keyword: a variable, a local name, a string, an IRI, a comment
        ("SELECT ?service WHERE { ?service ex:service 'SERVICE', \"SERVICE\" }", Shape(False, 1, 0)),
        ("SELECT * WHERE { <a:SERVICE> ?p '''SERVICE''' } # SERVICE", Shape(False, 1, 1)),
        ('SELECT * WHERE { ?s ?p """it\'s "a" SERVICE""" }', Shape(False, 1, 1)),
        ("SELECT * WHERE { ?s ?p '''it's 'a' SERVICE''' }", Shape(False, 1, 1)),
        ("SELECT * WHERE { ?s ?p 'a \\' SERVICE' }", Shape(False, 1, 1)),
        ("SELECT * WHERE { ?s ?p '{ ( [' }", Shape(False, 1, 1)),
        # a quote that does not end on its line is one character; a string on the next line is still a string
        ('SELECT * WHERE { ?s ?p "x\n"SERVICE" }', Shape(False, 1, 1)),
        ("SELECT * WHERE { ?s ?p 'x\n'SERVICE' }", Shape(False, 1, 1)),
        ("SELECT * WHERE { ?s ?p 'x\nSERVICE <a:b> {} }", Shape(True, 2, 1)),
        ('SELECT * WHERE { ?s ?p """x SERVICE <a:b> {} }', Shape(True, 2, 1)),
        ('"x\r"SERVICE"', Shape(False, 0, 0)),
        ('\'x\'"""SERVICE', Shape(True, 0, 0)),
        # operators: words, punctuation, and the subtractions glued into one word
        ("SELECT * WHERE { ?s ?p ?o MINUS { } OPTIONAL { } }", Shape(False, 2, 3)),
        ("SELECT * WHERE { ?s ?p ?o FILTER(!(1 = 2 || 3 <= 4 && 1-1-1 > 0)) }", Shape(False, 3, 10)),
        ("SELECT * WHERE { ?s ?p ?o } union union BIND GRAPH EXISTS", Shape(False, 1, 6)),
        (
            "SELECT * WHERE { ?s ex:a/ex:b|^ex:c ?o FILTER(?o * 2 + 1 != 3 - 1 >= 0 < 1) }",
            Shape(False, 2, 11),
        ),
    ],
)
def test_what_the_lexer_sees_of_a_query(text: str, expected: Shape) -> None:
    """SERVICE is found as Oxigraph reads it (any case, glued to a word or a prefix) and only outside strings,
    IRIs, comments, variables and local names; brackets and operators are counted as they nest and chain."""
    assert shape(text) == expected


def test_nesting_is_refused_past_the_limit_and_not_before() -> None:
    """A query nested MAX_NESTING brackets deep runs; one more level is refused with a message saying so."""
    check("SELECT * WHERE " + "{" * MAX_NESTING + "}" * MAX_NESTING)
    deep = "SELECT * WHERE " + "{" * (MAX_NESTING + 1) + "}" * (MAX_NESTING + 1)
    with pytest.raises(QueryError) as refused:
        check(deep)
    assert str(refused.value) == (
        f"the query nests {MAX_NESTING + 1} levels deep: kg refuses more than {MAX_NESTING} levels of brackets"
    )
    with pytest.raises(QueryError, match=r"^the update nests"):
        check(deep, what="update")


def test_operator_chains_are_refused_past_the_limit_and_not_before() -> None:
    """A query chaining MAX_OPERATORS operators runs; one more is refused with a message saying so."""
    check("SELECT ?s WHERE { ?s ?p ?o " + "MINUS { } " * MAX_OPERATORS + "}")
    with pytest.raises(QueryError) as refused:
        check("SELECT ?s WHERE { ?s ?p ?o " + "MINUS { } " * (MAX_OPERATORS + 1) + "}")
    assert str(refused.value) == (
        f"the query chains {MAX_OPERATORS + 1} operators (MINUS, UNION, OPTIONAL, FILTER, !, ||, +, ...): "
        f"kg refuses more than {MAX_OPERATORS}"
    )


def test_service_is_refused_unless_federating_and_always_in_an_update() -> None:
    """SERVICE is refused in a query unless the caller federates, and in an update whatever it says."""
    query = "SELECT * WHERE { SERVICE <a:b> { ?s ?p ?o } }"
    with pytest.raises(ServiceRefused) as refused:
        check(query)
    assert str(refused.value) == "SERVICE calls other servers; kg query follows them only with --federate"
    check(query, federate=True)
    update = "INSERT { ?s ?p ?o } WHERE { SERVICE <a:b> { ?s ?p ?o } }"
    for federate in (False, True):
        with pytest.raises(ServiceRefused) as refused:
            check(update, federate=federate, what="update")
        assert str(refused.value) == "SERVICE calls other servers; kg query --update does not follow them"
    check("INSERT DATA { <a:b> <a:c> 'SERVICE' }", what="update")


# ---------------------------------------------------------------------- who may ask: pure parts
@pytest.mark.parametrize(
    "value, expected",
    [
        ("127.0.0.1", ("127.0.0.1", None)),
        ("127.0.0.1:8080", ("127.0.0.1", 8080)),
        (" LocalHost.:80 ", ("localhost", 80)),
        ("[::1]:7878", ("::1", 7878)),
        ("[::1]", ("::1", None)),
        ("a-b.example", ("a-b.example", None)),
        ("example:", None),
        ("example:123456", None),
        ("exa mple", None),
        ("user@example", None),
        ("example:80:80", None),
        ("", None),
        ("[::1", None),
    ],
)
def test_host_header_is_read_as_a_name_and_a_port(
    value: str, expected: tuple[str, int | None] | None
) -> None:
    """A Host header is a name (lower case, no final dot, an IPv6 address without brackets) and maybe a port;
    anything else is not a Host header."""
    assert _host_port(value) == expected


@pytest.mark.parametrize(
    "value, expected",
    [
        ("http://127.0.0.1:7878", ("http", "127.0.0.1", 7878)),
        ("http://LocalHost.", ("http", "localhost", 80)),
        ("https://example.org", ("https", "example.org", 443)),
        ("https://example.org:8443/", ("https", "example.org", 8443)),
        ("http://[::1]:7878", ("http", "::1", 7878)),
        ("null", None),
        ("ftp://example.org", None),
        ("http://", None),
        ("http://example.org/page", None),
        ("http://example.org:99999", None),
        ("http://example.org:x", None),
    ],
)
def test_origin_header_is_read_as_scheme_host_and_port(
    value: str, expected: tuple[str, str, int] | None
) -> None:
    """An Origin is a web scheme, a host and a port (the scheme's own when none is given); ``null``, another
    scheme, a path or a bad port is no origin."""
    assert _origin(value) == expected


def test_the_names_a_server_answers_to() -> None:
    """A loopback server answers to its address and the loopback names; one on every interface to this machine's
    names and any IP address; one bound to a name, to that name only."""
    assert allowed_hosts("127.0.0.1", "127.0.0.1") == (frozenset({"127.0.0.1", "localhost", "::1"}), False)
    assert allowed_hosts("[::1]", "::1") == (frozenset({"127.0.0.1", "localhost", "::1"}), False)
    assert allowed_hosts("LocalHost", "127.0.0.1") == (frozenset({"127.0.0.1", "localhost", "::1"}), False)
    everywhere = {"0.0.0.0", "localhost", socket.gethostname().lower(), socket.getfqdn().lower()}
    assert allowed_hosts("0.0.0.0", "0.0.0.0") == (frozenset(everywhere), True)
    assert allowed_hosts("192.0.2.7", "192.0.2.7") == (frozenset({"192.0.2.7"}), False)
    loopback = {"127.0.0.2", "127.0.0.1", "localhost", "::1"}
    assert allowed_hosts("127.0.0.2", "127.0.0.2") == (frozenset(loopback), False)
    assert allowed_hosts("Kg.Example", "KG.example") == (frozenset({"kg.example"}), False)


def test_a_server_checks_the_name_and_port_a_request_gives() -> None:
    """The Host's port must be the server's (or none), its name one of the server's; a server on every interface
    also takes any IP address, never another name."""
    for host, any_ip in (("127.0.0.1", False), ("0.0.0.0", True)):
        server = make_server(Endpoint(Settings(None), small_store()), host, 0, quiet=True)
        try:
            port = server.server_address[1]
            assert server.names("localhost", port) and server.names("localhost", None)
            assert server.names(host, port)
            assert not server.names("localhost", port + 1)
            assert not server.names("evil.example", port)
            assert server.names("192.0.2.7", port) is any_ip
            assert server.names("192.0.2.7", None) is any_ip
        finally:
            server.server_close()


# ---------------------------------------------------------------------- answers: pure parts
def test_refusals_are_plain_text_lines() -> None:
    """Every refusal is one line of UTF-8 plain text with its status; the log shows no result for it."""
    assert tuple(_text(403, "read-only ✓")) == (
        403,
        "text/plain; charset=utf-8",
        "read-only ✓\n".encode(),
        "-",
    )


def test_error_messages_never_show_the_stores_path() -> None:
    """The store's path, however it is written, is shown as "the store"; without a path the message is as is."""
    relative = Path("data/my-store")
    message = f"cannot read {relative.absolute()}/x nor {relative}/y nor {relative.resolve()}"
    assert _private(message, relative) == "cannot read the store/x nor the store/y nor the store"
    assert _private(message, None) == message


def test_what_a_result_holds_for_the_log() -> None:
    """The log says "1 row", "3 rows", "0 rows", "1 triple", "2 triples", and "-" for a yes/no answer."""
    t = ox.Triple(ox.NamedNode(EX + "s"), ox.NamedNode(EX + "p"), ox.Literal("o"))
    row = {"x": ox.Literal("a")}
    assert _holds(Result("solutions", ["x"], [row])) == "1 row"
    assert _holds(Result("solutions", ["x"], [row] * 3)) == "3 rows"
    assert _holds(Result("solutions", ["x"], [])) == "0 rows"
    assert _holds(Result("graph", [], [], triples=[t])) == "1 triple"
    assert _holds(Result("graph", [], [], triples=[t, t])) == "2 triples"
    assert _holds(Result("graph", [], [])) == "0 triples"
    assert _holds(Result("boolean", [], [], boolean=True)) == "-"


def test_a_results_text_size_counts_every_term() -> None:
    """The size checked before rendering is what no rendering can write shorter: every bound term of every row,
    and the literals of triples (Turtle may abbreviate their IRIs)."""
    rows: list[dict[str, ox.NamedNode | ox.BlankNode | ox.Literal | None]] = [
        {"a": ox.Literal("abc"), "b": None, "c": ox.NamedNode("a:b")},
        {"a": ox.Literal("de"), "b": ox.Literal(""), "c": None},
    ]
    assert _text_size(Result("solutions", ["a", "b", "c"], rows)) == 3 + 3 + 2
    t = ox.Triple(ox.NamedNode("a:bc"), ox.NamedNode("p:q"), ox.Literal("xyz"))
    iri = ox.Triple(ox.BlankNode("b"), ox.NamedNode("p:q"), ox.NamedNode("a:bc"))
    assert _text_size(Result("graph", [], [], triples=[t, iri, t])) == 3 + 3  # Turtle may abbreviate the rest
    assert _text_size(Result("graph", [], [])) == 0


# ---------------------------------------------------------------------- respond: caps and refusals
def settings(**kw: int) -> Settings:
    return Settings(None, **kw)  # type: ignore[arg-type]


JSON = "application/sparql-results+json"


def test_respond_refuses_updates_service_and_bad_queries() -> None:
    """An update is 403 and changes nothing, SERVICE 400, a query that does not parse 400 with the parser's
    message; none of them says what the result holds."""
    store = small_store()
    for update in ("INSERT DATA { <a:b> <a:c> <a:d> }", "# c\n DROP ALL"):
        assert respond(store, update, JSON, settings()) == (403, "text/plain; charset=utf-8", READ_ONLY, "-")
    assert len(store) == 5
    assert respond(store, "SELECT * WHERE { SERVICE <a:b> { ?s ?p ?o } }", JSON, settings()) == (
        400,
        "text/plain; charset=utf-8",
        NO_SERVICE,
        "-",
    )
    status, ctype, body, holds = respond(store, "SELECT * WHERE { ?s ?p }", JSON, settings())
    assert (status, ctype, holds) == (400, "text/plain; charset=utf-8", "-")
    assert body.startswith(b"SPARQL syntax: ") and body.endswith(b"\n")
    status, _, body, _ = respond(store, "SELECT * WHERE " + "{" * 300 + "}" * 300, JSON, settings())
    assert status == 400 and b"levels deep" in body


def test_respond_caps_rows_at_the_limit_and_not_before() -> None:
    """A result of exactly max_rows rows (or triples) is sent; one more is 413 with a message naming the cap."""
    store = small_store(5)
    status, ctype, body, holds = respond(store, ROWS, JSON, settings(max_rows=5))
    assert (status, ctype, holds) == (200, f"{JSON}; charset=utf-8", "5 rows")
    assert len(json.loads(body)["results"]["bindings"]) == 5
    assert respond(store, ROWS, JSON, settings(max_rows=4)) == (
        413,
        "text/plain; charset=utf-8",
        b"the result has more than 4 rows (the cap of this endpoint): add a LIMIT\n",
        "-",
    )
    graph = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
    status, ctype, body, holds = respond(store, graph, "text/turtle", settings(max_rows=5))
    assert (status, holds) == (200, "5 triples")
    assert len(list(ox.parse(body, format=ox.RdfFormat.TURTLE))) == 5
    assert respond(store, graph, "text/turtle", settings(max_rows=4))[0] == 413


def test_respond_caps_bytes_at_the_limit_and_not_before() -> None:
    """A result whose answer is exactly max_bytes is sent; a byte less and it is 413; a result whose terms alone
    pass the cap is refused before it is rendered."""
    store = small_store(5)
    body = respond(store, ROWS, "text/csv", settings())[2]
    assert respond(store, ROWS, "text/csv", settings(max_bytes=len(body))) == (
        200,
        "text/csv; charset=utf-8",
        body,
        "5 rows",
    )
    too_big = (
        413,
        "text/plain; charset=utf-8",
        f"the result is over {len(body) - 1} bytes (the cap of this endpoint): add a LIMIT or ask for less\n".encode(),
        "-",
    )
    assert respond(store, ROWS, "text/csv", settings(max_bytes=len(body) - 1)) == too_big
    # the terms: 5 IRIs of len(EX) + 2 characters; the CSV is bigger, so the cap is found before rendering
    terms = 5 * (len(EX) + 2)
    assert (
        _text_size(Result("solutions", ["s"], [{"s": ox.NamedNode(f"{EX}s{i}")} for i in range(5)])) == terms
    )
    assert respond(store, ROWS, "text/csv", settings(max_bytes=terms - 1))[0] == 413


def test_a_graph_whose_turtle_fits_the_byte_cap_is_sent() -> None:
    """Turtle writes IRIs with prefixes, shorter than the IRIs: a graph whose Turtle fits the cap is sent, even
    when its IRIs alone would not fit; a byte less and it is 413."""
    kg = "https://w3id.org/kg/ontology#"
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode(kg + "a"), ox.NamedNode(kg + "b"), ox.NamedNode(kg + "c")))
    graph = "CONSTRUCT WHERE { ?s ?p ?o }"
    status, ctype, body, holds = respond(store, graph, "text/turtle", settings())
    assert (status, ctype, holds) == (200, "text/turtle; charset=utf-8", "1 triple")
    assert len(body) < 3 * len(kg + "a")
    assert respond(store, graph, "text/turtle", settings(max_bytes=len(body)))[::2] == (200, body)
    assert respond(store, graph, "text/turtle", settings(max_bytes=len(body) - 1))[0] == 413


def test_a_huge_result_is_refused_without_being_read_whole() -> None:
    """A query whose result has billions of rows is refused 413 for its rows: only one more row than the cap is
    read (were it read whole, it would run out of time or memory first)."""
    endpoint = Endpoint(Settings(None, timeout=120, max_rows=10), small_store(40))
    huge = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n ?o . ?x ?y ?z }"
    assert endpoint.answer(huge, JSON)[::2] == (
        413,
        b"the result has more than 10 rows (the cap of this endpoint): add a LIMIT\n",
    )


def test_a_yes_no_answer_is_sent_under_any_row_cap() -> None:
    """ASK gives no rows: it is answered whatever the row cap, and the log shows no count."""
    status, _, body, holds = respond(small_store(), ASK, JSON, settings(max_rows=0))
    assert (status, holds) == (200, "-") and json.loads(body)["boolean"] is True


# ---------------------------------------------------------------------- the endpoint over HTTP, in this process
@contextlib.contextmanager
def serving(endpoint: Endpoint, host: str = "127.0.0.1") -> Iterator[Server]:
    server = make_server(endpoint, host, 0, quiet=True)
    serve_in_thread(server)
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    with serving(Endpoint(Settings(None, timeout=60), small_store())) as s:
        yield s


def raw(server: Server, request: bytes) -> tuple[int, dict[str, str], bytes]:
    return raw_http("127.0.0.1", server.server_address[1], request, timeout=60)


def get(server: Server, path: str, headers: str | None = None) -> tuple[int, dict[str, str], bytes]:
    port = server.server_address[1]
    head = f"Host: 127.0.0.1:{port}\r\n" if headers is None else headers
    return raw(server, f"GET {path} HTTP/1.1\r\n{head}Connection: close\r\n\r\n".encode())


def post(
    server: Server,
    body: bytes,
    ctype: str = "application/x-www-form-urlencoded",
    path: str = "/sparql",
    **extra: str,
) -> tuple[int, dict[str, str], bytes]:
    port = server.server_address[1]
    head = {"Host": f"127.0.0.1:{port}", "Content-Type": ctype, "Content-Length": str(len(body)), **extra}
    lines = "".join(f"{k.replace('_', '-')}: {v}\r\n" for k, v in head.items() if v != "")
    return raw(server, f"POST {path} HTTP/1.1\r\n{lines}Connection: close\r\n\r\n".encode() + body)


def q(query: str) -> str:
    return "/sparql?" + urllib.parse.urlencode({"query": query})


def test_a_query_over_http_is_answered(server: Server) -> None:
    """The control: a query named to this server, from no other site, is answered (so a 403 below is the check)."""
    status, headers, body = get(server, q(ASK))
    assert status == 200 and headers["content-type"] == f"{JSON}; charset=utf-8"
    assert json.loads(body)["boolean"] is True


def test_the_accept_header_chooses_the_format(server: Server) -> None:
    """A client that asks for CSV gets CSV; one that names no format gets JSON."""
    port = server.server_address[1]
    query = q("SELECT ?s WHERE { ?s ?p ?o } LIMIT 1")
    status, headers, body = get(server, query, f"Host: 127.0.0.1:{port}\r\nAccept: text/csv\r\n")
    assert status == 200 and headers["content-type"].startswith("text/csv"), headers
    assert body.decode().splitlines()[0] == "s"
    status, headers, _ = get(server, query)
    assert status == 200 and headers["content-type"] == f"{JSON}; charset=utf-8"


def test_host_must_name_this_server(server: Server) -> None:
    """A request whose Host is missing, doubled, another name, another port or not a Host is refused 403; the
    server's own names, with its port or none, are answered."""
    port = server.server_address[1]
    for host in ("127.0.0.1", f"127.0.0.1:{port}", f"localhost:{port}", "LOCALHOST", f"[::1]:{port}"):
        assert get(server, q(ASK), f"Host: {host}\r\n")[0] == 200, host
    for head in (
        "",
        f"Host: 127.0.0.1:{port}\r\nHost: 127.0.0.1:{port}\r\n",
        f"Host: evil.example:{port}\r\n",
        f"Host: 127.0.0.1:{port + 1}\r\n",
        "Host: 127.0.0.1:x\r\n",
    ):
        assert get(server, q(ASK), head)[::2] == (403, WRONG_HOST), head


def test_requests_from_other_sites_are_refused(server: Server) -> None:
    """An Origin other than the server's own (as the Host names it), or Sec-Fetch-Site: cross-site, is 403; the
    server's own origin and a same-origin fetch are answered."""
    port = server.server_address[1]
    host = f"Host: 127.0.0.1:{port}\r\n"
    for head in (
        f"Origin: http://127.0.0.1:{port}\r\n",
        "Sec-Fetch-Site: same-origin\r\n",
        f"Origin: http://127.0.0.1:{port}\r\nSec-Fetch-Site: none\r\n",
    ):
        assert get(server, q(ASK), host + head)[0] == 200, head
    # no port in Host: the origin's port is the scheme's
    assert get(server, q(ASK), "Host: 127.0.0.1\r\nOrigin: http://127.0.0.1\r\n")[0] == 200
    assert get(server, q(ASK), "Host: 127.0.0.1\r\nOrigin: http://127.0.0.1:81\r\n")[0] == 403
    for head in (
        "Origin: http://evil.example\r\n",
        f"Origin: http://localhost:{port}\r\n",
        f"Origin: https://127.0.0.1:{port}\r\n",
        f"Origin: http://127.0.0.1:{port + 1}\r\n",
        "Origin: null\r\n",
        "Sec-Fetch-Site: Cross-Site\r\n",
        f"Origin: http://127.0.0.1:{port}\r\nSec-Fetch-Site: cross-site\r\n",
    ):
        assert get(server, q(ASK), host + head)[::2] == (403, CROSS_SITE), head


def test_a_post_must_name_this_server_and_come_from_it(server: Server) -> None:
    """The Host and Origin checks hold for POST as for GET."""
    body = urllib.parse.urlencode({"query": ASK}).encode()
    assert post(server, body, Host="evil.example")[::2] == (403, WRONG_HOST)
    assert post(server, body, Origin="http://evil.example")[::2] == (403, CROSS_SITE)
    assert post(server, body)[0] == 200


def test_updates_are_refused_however_sent(server: Server) -> None:
    """An update sent as ``update=`` (GET or POST), as application/sparql-update, or as a query is 403, and the
    graph is unchanged."""
    update = "INSERT DATA { <a:b> <a:c> <a:d> }"
    refused = [
        get(server, "/sparql?" + urllib.parse.urlencode({"update": update})),
        get(server, "/sparql?" + urllib.parse.urlencode({"update": update, "query": ASK})),
        get(server, q(update)),
        post(server, urllib.parse.urlencode({"update": update}).encode()),
        post(server, update.encode(), "application/sparql-update"),
        post(server, update.encode(), "Application/SPARQL-Update; charset=utf-8"),
        post(server, update.encode(), "application/sparql-query"),
    ]
    assert [(status, body) for status, _, body in refused] == [(403, READ_ONLY)] * len(refused)
    assert (
        json.loads(get(server, q("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"))[2])["results"]["bindings"][0][
            "n"
        ]["value"]
        == "5"
    )


def test_service_and_deep_queries_are_refused_over_http(server: Server) -> None:
    """SERVICE is 400 with its message; a query nested past the limit is 400."""
    assert get(server, q("SELECT * WHERE { SERVICE <a:b> { ?s ?p ?o } }"))[::2] == (400, NO_SERVICE)
    status, _, body = get(server, q("SELECT * WHERE " + "{" * 300 + "}" * 300))
    assert status == 400 and b"levels deep" in body


def test_exactly_one_query_is_asked_for(server: Server) -> None:
    """No query, a blank one or two is 400 with one line saying what to give."""
    message = b"give exactly one query (the 'query' parameter)\n"
    for path in ("/sparql", "/sparql?query=", "/sparql?query=%20%0A", f"{q(ASK)}&query=ASK%7B%7D"):
        assert get(server, path)[::2] == (400, message), path
    assert post(server, b"")[::2] == (400, message)


def test_post_bodies_must_say_their_length(server: Server) -> None:
    """A POST's body must come with one Content-Length of digits: missing or chunked 411, not a number or two
    different ones 400, over MAX_BODY 413, a body shorter than it says 400; a body of exactly MAX_BODY is read."""
    body = urllib.parse.urlencode({"query": ASK}).encode()
    port = server.server_address[1]

    def head(*lines: str) -> bytes:
        return "\r\n".join(("POST /sparql HTTP/1.1", f"Host: 127.0.0.1:{port}", *lines, "", "")).encode()

    ctype = "Content-Type: application/x-www-form-urlencoded"
    assert raw(server, head(ctype) + body)[::2] == (411, b"a POST needs a Content-Length\n")
    assert raw(server, head(ctype, "Transfer-Encoding: chunked") + b"0\r\n\r\n")[::2] == (
        411,
        b"send the body with a Content-Length (it is not read chunked)\n",
    )
    assert (
        raw(server, head(ctype, f"Content-Length: {len(body)}", "Transfer-Encoding: chunked") + body)[0]
        == 411
    )
    for length in ("abc", "-1", "+5", "1e3", " ", f"{len(body)}, {len(body)}"):
        assert raw(server, head(ctype, f"Content-Length: {length}") + body)[::2] == (
            400,
            b"invalid Content-Length: give the body's size in bytes\n",
        ), length
    twice = head(ctype, f"Content-Length: {len(body)}", f"Content-Length: {len(body) + 1}") + body
    assert raw(server, twice)[0] == 400
    same_twice = head(ctype, f"Content-Length: {len(body)}", f"Content-Length:  {len(body)} ") + body
    assert raw(server, same_twice)[0] == 200
    assert raw(server, head(ctype, f"Content-Length: {MAX_BODY + 1}"))[::2] == (
        413,
        f"request body over {MAX_BODY} bytes\n".encode(),
    )
    assert raw(server, head(ctype, f"Content-Length: {len(body) + 10}", "Connection: close") + body)[::2] == (
        400,
        b"the body ended before its Content-Length\n",
    )
    padded = body + b"+" * (MAX_BODY - len(body))  # spaces, form-encoded
    status, _, answer = raw(server, head(ctype, f"Content-Length: {MAX_BODY}", "Connection: close") + padded)
    assert status == 200 and json.loads(answer)["boolean"] is True


def test_post_forms_and_query_bodies(server: Server) -> None:
    """A POST's query is its form's (the URL's parameters fill in what the form lacks) or, as
    application/sparql-query, its body; a body that is not UTF-8 gets the parser's 400, not a dropped
    connection; a POST elsewhere than /sparql is 404."""
    never = "ASK { FILTER(false) }"
    assert json.loads(post(server, b"", path=q(ASK))[2])["boolean"] is True
    form = urllib.parse.urlencode({"query": ASK}).encode()
    assert json.loads(post(server, form, path=q(never))[2])["boolean"] is True
    assert (
        json.loads(post(server, ASK.encode(), "application/sparql-query; charset=utf-8")[2])["boolean"]
        is True
    )
    status, _, body = post(server, b"ASK { \xff }", "application/sparql-query")
    assert status == 400 and body.startswith(b"SPARQL syntax: ")
    status, _, body = post(server, b"query=ASK+%7B+%FF+%7D")
    assert status == 400 and body.startswith(b"SPARQL syntax: ")
    assert post(server, form, path="/other")[::2] == (404, b"not found: the endpoint is /sparql\n")


def test_refused_and_logged_queries(capsys: pytest.CaptureFixture[str]) -> None:
    """Each query, refused or not, is logged on one line with its status, what it holds and the query's start."""
    with serving(Endpoint(Settings(None), small_store())) as s:
        s.quiet = False
        update = "INSERT DATA { <a:b> <a:c> <a:d> }"
        get(s, "/sparql?" + urllib.parse.urlencode({"update": update}))
        post(s, update.encode(), "application/sparql-update")
        get(s, "/sparql?query=ASK%7B%7D&query=ASK%20%7B%20%7D")
        get(s, q(ROWS))
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 4, lines
    assert re.fullmatch(r"kg serve: \S+ 403 - \d+ ms INSERT DATA \{ <a:b> <a:c> <a:d> \}", lines[0]), lines[0]
    assert re.fullmatch(r"kg serve: \S+ 403 - \d+ ms INSERT DATA \{ <a:b> <a:c> <a:d> \}", lines[1]), lines[1]
    assert re.fullmatch(r"kg serve: \S+ 400 - \d+ ms ASK\{\} ASK \{ \}", lines[2]), lines[2]
    assert re.fullmatch(r"kg serve: \S+ 200 5 rows \d+ ms SELECT \?s WHERE \{ \?s \?p \?o \}", lines[3]), (
        lines[3]
    )


def wait_for_a_query_process() -> None:
    deadline = time.monotonic() + 60  # only to stop waiting for ever
    while not multiprocessing.active_children():
        assert time.monotonic() < deadline, "the slow query never started"
        time.sleep(0.01)


def test_more_queries_than_allowed_at_once_are_told_to_come_back() -> None:
    """While max_queries queries run, one more is answered 503 "busy" at once, with Retry-After; an update is
    still 403 (it is refused before it would wait)."""
    endpoint = Endpoint(Settings(None, timeout=600, max_queries=1), small_store(30))
    slow = (
        "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o . ?x ?y ?z }"
    )
    with serving(endpoint) as s:
        first: list[tuple[int, dict[str, str], bytes]] = []
        thread = threading.Thread(target=lambda: first.append(get(s, q(slow))), daemon=True)
        thread.start()
        wait_for_a_query_process()
        status, headers, body = get(s, q(ASK))
        assert (status, body) == (503, b"busy, try again: this endpoint runs at most 1 queries at once\n")
        assert headers["retry-after"] == "1"
        assert get(s, q("DROP ALL"))[::2] == (403, READ_ONLY)
        endpoint.close()  # the slow query is killed: its answer says so
        thread.join(60)
        assert [(status, body) for status, _, body in first] == [
            (500, b"the query process ended without an answer\n")
        ]
        # its place is free again (not "busy"), and a closed endpoint starts no query
        assert get(s, q(ASK))[::2] == (503, b"the endpoint is stopping\n")


# ---------------------------------------------------------------------- the viewer: text stays text
HOSTILE = "</script><script>alert(1)</script><img src=x onerror=alert(2)> & \"q\" 'a' http://evil.example"


@pytest.fixture(scope="module")
def page() -> str:
    doc = Document(
        "https://w3id.org/kg/id/document/d", f"Doc {HOSTILE}", f"Before. {HOSTILE} said it. After."
    )
    a, b = "https://w3id.org/kg/id/person/a", "https://w3id.org/kg/id/thing/b"
    nodes = {
        a: Node(a, f"Ann {HOSTILE}", "Person", aliases={f"Alias {HOSTILE}"}, sources={doc}),
        b: Node(b, "HTTPS://b", "Thing", sources={doc}),
    }
    quote = Quote(doc, f"{HOSTILE} said it.", 8, 8 + len(HOSTILE) + 9)
    edges = [Edge(a, b, "https://w3id.org/kg/ontology#knows", {(doc.title, quote.quote)}, {quote})]
    return render(nodes, edges, title=f"Focus {HOSTILE} hTTp://x")


def meta(page: str) -> dict:  # type: ignore[type-arg]
    found = re.search(r'<script type="application/json" id="kg-meta">(.*?)</script>', page, re.S)
    assert found is not None
    return json.loads(found.group(1))  # type: ignore[no-any-return]


def test_document_text_reaches_the_page_as_data(page: str) -> None:
    """Labels, names, titles and quotes holding markup reach the page's data block whole and unchanged, and the
    page holds none of their markup: nothing a document says can end the data block or add an element."""
    data = meta(page)
    assert data["title"] == f"Focus {HOSTILE} hTTp://x"
    assert data["docs"] == [f"Doc {HOSTILE}"]
    assert data["classes"] == [
        {"name": "Person", "colour": "#4e79a7"},
        {"name": "Thing", "colour": "#999999"},
    ]
    label, cls, aliases, _, _ = data["ents"]["n0"]
    assert (label, cls, aliases) == (f"Ann {HOSTILE}", "Person", [f"Alias {HOSTILE}"])
    assert data["facts"][0][4][0][1] == f"{HOSTILE} said it."
    assert data["tips"]["n0"].startswith(f"Ann {HOSTILE}\nclass: Person")
    assert f"“{HOSTILE} said it.” (Doc {HOSTILE})" in data["tips"]["e0"]
    assert data["texts"][0][2] == f"Before. {HOSTILE} said it. After."
    for markup in ("<script>alert", "<img", "onerror=alert(2)>", "</script><script>"):
        assert markup not in page
    block = re.search(r'id="kg-meta">(.*?)</script>', page, re.S).group(1)  # type: ignore[union-attr]
    assert not set("<>&") & set(block)


def test_no_link_scheme_is_left_in_the_page(page: str) -> None:
    """No http: or https: text, in any case, is left in the page (labels, titles, vis-network's code, pyvis's
    links), so the file reaches nothing on the network; the data still says http."""
    assert not re.search(r"https?:", page, re.I)
    assert "bootstrap" not in page.lower()
    assert "<!--" not in page
    assert meta(page)["ents"]["n1"][0] == "HTTPS://b"


def test_the_pages_title_is_the_title_as_text(page: str) -> None:
    """The window's title is the command line's title as text: escaped, its link schemes as character
    references."""
    found = re.search(r"<head>\n<title>(.*?)</title>", page, re.S)
    assert found is not None
    assert html.unescape(found.group(1)) == f"Focus {HOSTILE} hTTp://x"
    assert "<" not in found.group(1) and "&#104;TTp://x" in found.group(1)
    assert page.count("<title>") == 1 and "<h1></h1>" not in page and "<center>" not in page
    assert "<style>\nhtml, body { height: 100%; margin: 0; }" in page  # the network fills the window


def test_a_label_is_shown_on_one_line_and_cut() -> None:
    """A node's label is drawn on one line, at most LONGEST_LABEL characters, cut with an ellipsis."""
    assert shown_label("Ann\nVell\r\n\tof  Northby ") == "Ann Vell of Northby"
    exact = "x" * LONGEST_LABEL
    assert shown_label(exact) == exact
    assert shown_label(exact + "y") == "x" * (LONGEST_LABEL - 1) + "\u2026"
    assert shown_label("ab " * 50) == ("ab " * 33).rstrip() + "\u2026"
    assert shown_label("") == ""


def test_data_for_a_script_element_cannot_end_it() -> None:
    """JSON put in a <script> element holds no <, > or & and no link scheme, whatever the data holds, and reads
    back as the same data."""
    data = {"t": "</script><!-- x --> & http://a HTTPS://b hTtP: <\u2028>", "n": [1, None, "HTTP:"]}
    text = _script_json(data)
    assert json.loads(text) == data
    assert not set("<>&") & set(text) and not re.search(r"https?:", text, re.I)
    assert text == json.dumps(data).replace("<", "\\u003c").replace(">", "\\u003e").replace(
        "&", "\\u0026"
    ).replace("http:", "\\u0068ttp:").replace("HTTPS:", "\\u0048TTPS:").replace(
        "hTtP:", "\\u0068TtP:"
    ).replace("HTTP:", "\\u0048TTP:")


def test_html_text_is_text() -> None:
    """Text put in HTML is escaped (markup, ampersands, both quotes) and its link schemes' h is a character
    reference, so it reads back as the same text and links nowhere."""
    text = "<a href=\"x\">Tom & 'Jerry' http://h HTTPS://H hTtPs:</a>"
    assert _html_text(text) == (
        "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#x27;Jerry&#x27; &#104;ttp://h &#72;TTPS://H &#104;TtPs:&lt;/a&gt;"
    )
    assert html.unescape(_html_text(text)) == text
    assert _html_text("httpx: hts: plain") == "httpx: hts: plain"


def test_scripts_keep_no_link_scheme() -> None:
    """Inside a script, http: and https: (any case) are written as JavaScript escapes that mean the same."""
    page = '<p>http://p</p><script src="x">var u = "http://a" + \'HTTPS://b\';</script>'
    assert re.sub(r"(<script[^>]*>)(.*?)(</script>)", _escape_schemes, page, flags=re.S) == (
        '<p>http://p</p><script src="x">var u = "\\x68ttp://a" + \'\\x48TTPS://b\';</script>'
    )


def test_a_client_that_keeps_its_connection_gets_its_answers(server: Server) -> None:
    """A client that keeps its connection open gets the answer to its POST as soon as the body it announced has
    come (the server reads that many bytes, not until the client closes)."""
    port = server.server_address[1]
    body = urllib.parse.urlencode({"query": ASK}).encode()
    post_request = (
        f"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    with socket.create_connection(("127.0.0.1", server.server_address[1]), timeout=60) as sock:
        reader = sock.makefile("rb")
        sock.sendall(post_request)
        status = reader.readline()
        assert status.split()[1:2] == [b"200"], status
        headers = {}
        while (line := reader.readline()) not in (b"\r\n", b""):
            k, _, v = line.decode("latin-1").partition(":")
            headers[k.lower()] = v.strip()
        assert json.loads(reader.read(int(headers["content-length"])))["boolean"] is True
