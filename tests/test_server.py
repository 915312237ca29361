"""`kg serve` end to end: real `kg serve` processes over a store built from the seed document with `kg add`, asked
over real HTTP by SPARQLWrapper (GET, form-encoded POST, `application/sparql-query` POST; JSON, XML, CSV, TSV,
Turtle, N-Triples), and the guards: read-only, loopback, the time limit, the caps on rows, bytes, memory, queries
and connections, no SERVICE calls, Host and Origin checks, well-formed request lengths, clear errors."""

from __future__ import annotations

import contextlib
import csv
import io
import itertools
import json
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.client import HTTPConnection
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from helpers import ROOT, interrupt, kg, kg_env, raw_http, sparql_stub
from SPARQLWrapper import CSV, JSON, POST, POSTDIRECTLY, TSV, TURTLE, XML, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

SEEDS = ROOT / "seeds"
ID = "https://w3id.org/kg/id/"
AMESS = f"{ID}incident/murder-of-david-amess"
ALI = f"{ID}person/ali-harbi-ali"
PERPETRATOR = "https://w3id.org/kg/ontology#perpetrator"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"

#: The perpetrators the seed names (kg: and rdfs: are declared by the endpoint).
PERPETRATORS = (
    "SELECT DISTINCT ?name WHERE { ?i a kg:Incident ; kg:perpetrator/rdfs:label ?name } ORDER BY ?name"
)
KILLERS = {"Ali Harbi Ali", "Khairi Saadallah", "Usman Khan"}
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
INSERTED = f'<{ALI}> <{RDFS_LABEL}> "inserted over HTTP"'
INSERT = f"INSERT DATA {{ {INSERTED} }}"
#: A cross product of the store with itself, four times over: minutes of work.
ENDLESS = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


@dataclass
class Server:
    proc: subprocess.Popen[str]
    host: str
    port: int
    source: str
    lines: queue.Queue[str | None] = field(repr=False)
    reader: threading.Thread = field(repr=False)

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def endpoint(self) -> str:
        return f"{self.base}/sparql"


def _read_lines(stream: io.TextIOBase, out: queue.Queue[str | None]) -> None:
    for line in stream:
        out.put(line)
    out.put(None)


def start(*args: str, cwd: Path) -> Server:
    """Start `kg serve --port 0 ARGS` and wait for the line that says where it listens."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "kg.cli", "serve", "--port", "0", *args],
        cwd=cwd,
        env=kg_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str | None] = queue.Queue()
    assert proc.stderr is not None
    reader = threading.Thread(target=_read_lines, args=(proc.stderr, lines), daemon=True)
    reader.start()
    try:
        first = lines.get(timeout=60)
    except queue.Empty:
        stop(proc, reader)
        raise AssertionError("kg serve said nothing for 60 s") from None
    m = re.fullmatch(
        r"kg: serving (.+) at http://([^:/]+):(\d+)/sparql \(query page at /\); Ctrl-C stops\n", first or ""
    )
    if m is None:
        stop(proc, reader)
        raise AssertionError(f"kg serve did not start: {first!r}")
    return Server(proc, m[2], int(m[3]), m[1], lines, reader)


def stop(proc: subprocess.Popen[str], reader: threading.Thread) -> int:
    """Interrupt the server (Ctrl-C), wait for it, and close its stderr once it has all been read."""
    interrupt(proc)
    reader.join(10)
    if proc.stderr is not None and not reader.is_alive():
        proc.stderr.close()
    return proc.returncode


@contextlib.contextmanager
def serving(*args: str, cwd: Path) -> Iterator[Server]:
    server = start(*args, cwd=cwd)
    try:
        yield server
    finally:
        stop(server.proc, server.reader)


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`store/` (the seed document, added with `kg add`) and `graph.trig` (the store exported)."""
    folder = tmp_path_factory.mktemp("serve")
    add = ["add", str(SEEDS), "--store", "store", "--root", str(SEEDS.parent)]
    for args in (add, ["export", "-o", "graph.trig", "--store", "store"]):
        result = kg(*args, cwd=folder)
        assert result.returncode == 0, result.stderr
    return folder


@pytest.fixture(scope="module")
def server(work: Path) -> Iterator[Server]:
    with serving("--store", "store", cwd=work) as s:
        yield s


@pytest.fixture(scope="module")
def limited(work: Path) -> Iterator[Server]:
    with serving("--store", "store", "--timeout", "1", "--max-rows", "5", cwd=work) as s:
        yield s


# ---------------------------------------------------------------------- clients
def sparql(
    server: Server, query: str, fmt: str = JSON, method: str = "GET", *, accept: str | None = None
) -> SPARQLWrapper:
    """A SPARQLWrapper client; `method` is GET, POST (form-encoded) or DIRECT (application/sparql-query)."""
    client = SPARQLWrapper(server.endpoint)
    client.setQuery(query)
    client.setReturnFormat(fmt)
    client.setTimeout(60)
    if method != "GET":
        client.setMethod(POST)
    if method == "DIRECT":
        client.setRequestMethod(POSTDIRECTLY)
    if accept is not None:
        client.addCustomHttpHeader("Accept", accept)
    return client


def ask(server: Server, query: str, fmt: str = JSON, method: str = "GET") -> Any:
    result = sparql(server, query, fmt, method).query()
    return result.convert()


def names(data: dict[str, Any], var: str = "name") -> list[str]:
    return [b[var]["value"] for b in data["results"]["bindings"]]


def count(server: Server) -> int:
    return int(names(ask(server, COUNT), "n")[0])


def http(
    url: str, data: bytes | None = None, headers: dict[str, str] | None = None, method: str | None = None
) -> tuple[int, str, str]:
    """(status, content type, body) of one plain HTTP request."""
    request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.headers["Content-Type"], response.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        with e:
            return e.code, e.headers["Content-Type"], e.read().decode("utf-8")


def http_error(client: SPARQLWrapper) -> tuple[int, str]:
    """The status and message of a request SPARQLWrapper reports as an HTTP error."""
    with pytest.raises(urllib.error.HTTPError) as info:
        client.query()
    with info.value as e:
        return e.code, e.read().decode("utf-8")


# ---------------------------------------------------------------------- queries
@pytest.mark.parametrize("method", ["GET", "POST", "DIRECT"])
def test_select_json(server: Server, method: str) -> None:
    result = sparql(server, PERPETRATORS, JSON, method).query()
    assert result.info()["content-type"].startswith("application/sparql-results+json")
    data = result.convert()
    assert data["head"]["vars"] == ["name"]
    assert names(data) == sorted(KILLERS)


@pytest.mark.parametrize("method", ["GET", "POST", "DIRECT"])
def test_select_xml(server: Server, method: str) -> None:
    result = sparql(server, PERPETRATORS, XML, method).query()
    assert result.info()["content-type"].startswith("application/sparql-results+xml")
    doc = result.convert()  # a DOM, parsed by SPARQLWrapper
    assert [v.getAttribute("name") for v in doc.getElementsByTagName("variable")] == ["name"]
    got = [lit.firstChild.data for lit in doc.getElementsByTagName("literal")]
    assert got == sorted(KILLERS)


@pytest.mark.parametrize("method", ["GET", "POST", "DIRECT"])
def test_select_csv_and_tsv(server: Server, method: str) -> None:
    result = sparql(server, PERPETRATORS, CSV, method).query()
    assert result.info()["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(result.convert().decode("utf-8"))))
    assert rows == [["name"], *([n] for n in sorted(KILLERS))]

    result = sparql(server, PERPETRATORS, TSV, method).query()
    assert result.info()["content-type"].startswith("text/tab-separated-values")
    lines = result.convert().decode("utf-8").splitlines()
    assert lines == ["?name", *(f'"{n}"' for n in sorted(KILLERS))]


def test_select_typed_terms(server: Server) -> None:
    query = f"SELECT ?i ?date WHERE {{ BIND(<{AMESS}> AS ?i) ?i kg:date ?date FILTER(DATATYPE(?date) = xsd:date) }}"
    (row,) = ask(server, query)["results"]["bindings"]
    assert row == {
        "i": {"type": "uri", "value": AMESS},
        "date": {
            "type": "literal",
            "value": "2021-10-15",
            "datatype": "http://www.w3.org/2001/XMLSchema#date",
        },
    }


def test_saved_query_text_over_http(server: Server) -> None:
    text = (ROOT / "queries" / "who-killed-whom.rq").read_text(encoding="utf-8")
    rows = ask(server, text, JSON, "POST")["results"]["bindings"]
    assert {
        "incident": {"type": "literal", "value": "murder of David Amess"},
        "perpetrator": {"type": "literal", "value": "Ali Harbi Ali"},
        "victim": {"type": "literal", "value": "David Amess"},
        "date": {
            "type": "literal",
            "value": "2021-10-15",
            "datatype": "http://www.w3.org/2001/XMLSchema#date",
        },
        "place": {"type": "literal", "value": "Leigh-on-Sea"},
    } in rows


@pytest.mark.parametrize("fmt", [JSON, XML])
def test_ask(server: Server, fmt: str) -> None:
    yes = f"ASK {{ <{AMESS}> kg:perpetrator <{ALI}> }}"
    no = f"ASK {{ <{ALI}> kg:perpetrator <{AMESS}> }}"
    for query, expected in ((yes, True), (no, False)):
        got = ask(server, query, fmt, "POST")
        if fmt == JSON:
            assert got == {"head": {}, "boolean": expected}
        else:
            (boolean,) = got.getElementsByTagName("boolean")
            assert boolean.firstChild.data == str(expected).lower()


CONSTRUCT = (
    "CONSTRUCT { ?i kg:perpetrator ?p ; rdfs:label ?l } WHERE { ?i kg:perpetrator ?p ; rdfs:label ?l }"
)


def expected_graph() -> set[ox.Triple]:
    return {
        ox.Triple(ox.NamedNode(AMESS), ox.NamedNode(PERPETRATOR), ox.NamedNode(ALI)),
        ox.Triple(ox.NamedNode(AMESS), ox.NamedNode(RDFS_LABEL), ox.Literal("murder of David Amess")),
    }


@pytest.mark.parametrize("method", ["GET", "POST", "DIRECT"])
def test_construct_turtle(server: Server, method: str) -> None:
    result = sparql(server, CONSTRUCT, TURTLE, method).query()
    assert result.info()["content-type"].startswith("text/turtle")
    data = result.convert()
    triples = {q.triple for q in ox.parse(data, format=ox.RdfFormat.TURTLE)}
    assert expected_graph() <= triples
    assert len({t.subject for t in triples}) == 3


def test_construct_ntriples(server: Server) -> None:
    result = sparql(server, CONSTRUCT, TURTLE, "POST", accept="application/n-triples").query()
    assert result.info()["content-type"].startswith("application/n-triples")
    data = result.convert()
    triples = {q.triple for q in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)}
    assert expected_graph() <= triples
    assert all(line.endswith(" .") for line in data.decode("utf-8").splitlines() if line)


def test_describe_turtle(server: Server) -> None:
    data = sparql(server, f"DESCRIBE <{ALI}>", TURTLE).query().convert()
    triples = [q.triple for q in ox.parse(data, format=ox.RdfFormat.TURTLE)]
    assert triples and all(t.subject == ox.NamedNode(ALI) for t in triples)


def test_graph_file_is_served_as_the_store_is(work: Path, server: Server) -> None:
    text = (ROOT / "queries" / "evidence.rq").read_text(encoding="utf-8")
    with serving("--graph", "graph.trig", cwd=work) as from_file:
        assert from_file.source == "graph.trig"
        assert ask(from_file, text, JSON, "POST") == ask(server, text, JSON, "POST")
        assert count(from_file) == count(server) > 400


def test_xml_answer_is_well_formed_and_csv_exact_whatever_the_labels_hold(tmp_path: Path) -> None:
    """A label holding what XML 1.0 cannot (ESC, \\x01, form feed, U+FFFE) gives well-formed XML results, those
    characters as U+FFFD; the CSV answer (SPARQL 1.1 CSV, for programs) holds the label exactly, and a value that
    would be a spreadsheet formula as it is."""
    import xml.etree.ElementTree as ET

    label = "Ann \x1b[31mRed \u202eevil\u202c \x01 page\x0cbreak safe\rEVIL \ufffe"
    formula = '=HYPERLINK("http://127.0.0.1/","x")'
    escaped = "".join(f"\\u{ord(c):04x}" if not c.isalnum() else c for c in label)
    (tmp_path / "hostile.ttl").write_text(
        f"<{ID}person/a> <{RDFS_LABEL}> \"{escaped}\" .\n<{ID}person/b> <{RDFS_LABEL}> '{formula}' .\n",
        encoding="utf-8",
    )
    select = "SELECT ?s ?label WHERE { ?s rdfs:label ?label } ORDER BY ?s"
    with serving("--graph", "hostile.ttl", cwd=tmp_path) as hostile:
        result = sparql(hostile, select, XML).query()
        body = result.response.read()
        root = ET.fromstring(body)  # a strict parser: one character XML cannot hold and it raises
        literals = [e.text for e in root.iter("{http://www.w3.org/2005/sparql-results#}literal")]
        assert literals == [
            "Ann \ufffd[31mRed \u202eevil\u202c \ufffd page\ufffdbreak safe\rEVIL \ufffd",
            formula,
        ]
        answer = sparql(hostile, select, CSV).query().convert().decode("utf-8")
        rows = list(csv.reader(io.StringIO(answer, newline="")))
        assert rows == [["s", "label"], [f"{ID}person/a", label], [f"{ID}person/b", formula]]


# ---------------------------------------------------------------------- read-only
def test_updates_are_refused_and_change_nothing(server: Server) -> None:
    before = count(server)
    check = f"ASK {{ {INSERTED} }}"
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    attempts: list[tuple[str, int, str]] = []

    # SPARQLWrapper sends an update as a form's `update=` (POST) or as application/sparql-update (POSTDIRECTLY)
    for direct in (False, True):
        client = SPARQLWrapper(server.endpoint)
        client.setQuery(INSERT)
        client.setMethod(POST)
        if direct:
            client.setRequestMethod(POSTDIRECTLY)
        attempts.append((f"SPARQLWrapper direct={direct}", *http_error(client)))
    # an update sent where a query goes
    url = server.endpoint
    quoted = urllib.parse.urlencode({"query": INSERT})
    attempts.append(("GET query=", *http(f"{url}?{quoted}")[::2]))
    attempts.append(("POST form query=", *http(url, quoted.encode(), form)[::2]))
    sparql_query = {"Content-Type": "application/sparql-query"}
    attempts.append(("POST sparql-query", *http(url, INSERT.encode(), sparql_query)[::2]))
    for update in ("DROP ALL", "CLEAR DEFAULT", f"DELETE WHERE {{ <{AMESS}> ?p ?o }}"):
        attempts.append((update, *http(url, update.encode(), sparql_query)[::2]))
        attempts.append((update, *http(url, urllib.parse.urlencode({"update": update}).encode(), form)[::2]))
    attempts.append(("GET update=", *http(f"{url}?{urllib.parse.urlencode({'update': INSERT})}")[::2]))

    assert len(attempts) == 12
    for what, status, message in attempts:
        assert status in (400, 403), (what, status, message)
        assert "read-only" in message or "update" in message.lower(), (what, message)
    assert ask(server, check) == {"head": {}, "boolean": False}
    assert count(server) == before
    assert ask(server, f"ASK {{ <{AMESS}> kg:perpetrator <{ALI}> }}")["boolean"] is True


# ---------------------------------------------------------------------- errors
def test_malformed_query_gets_the_parsers_message(server: Server) -> None:
    client = sparql(server, "SELECT ?x WHERE {\n  ?x a kg:Person .\n  ?x rdfs:label }", JSON, "POST")
    with pytest.raises(QueryBadFormed) as info:
        client.query()
    assert "error at 3:17" in str(info.value), str(info.value)
    # the same over plain HTTP: 400, the message as text
    status, ctype, body = http(
        f"{server.endpoint}?{urllib.parse.urlencode({'query': 'SELECT * WHERE { ?s ?p }'})}"
    )
    assert (status, ctype.split(";")[0]) == (400, "text/plain")
    assert re.search(r"error at 1:\d+", body), body


def test_bad_requests(server: Server) -> None:
    status, _, body = http(server.endpoint)
    assert status == 400 and "query" in body
    status, _, body = http(f"{server.endpoint}?{urllib.parse.urlencode({'query': '   '})}")
    assert status == 400
    status, _, body = http(f"{server.base}/nothing-here")
    assert status == 404 and "/sparql" in body
    status, _, body = http(f"{server.base}/nothing-here", b"query=ASK{}", method="POST")
    assert status == 404


def test_unknown_store_does_not_start(tmp_path: Path) -> None:
    result = kg("serve", "--port", "0", "--store", "nowhere", cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [result.stderr.strip()]
    assert result.stderr.startswith("kg: error: ") and "nowhere" in result.stderr


# ---------------------------------------------------------------------- the page
def test_query_page(server: Server) -> None:
    status, ctype, page = http(server.base + "/")
    assert status == 200 and ctype.startswith("text/html")
    assert page.lstrip().lower().startswith("<!doctype html>")
    assert re.search(r"<form\b", page) and re.search(r"<textarea\b[^>]*name=\"query\"", page)
    assert "/sparql" in page
    # nothing is loaded from anywhere else
    for url in re.findall(r"(?:https?:)?//[\w.-]+[^\s\"'<>)]*", page):
        host = urllib.parse.urlsplit(url if ":" in url.split("//")[0] else "http:" + url).hostname
        assert host in ("127.0.0.1", "localhost"), url
    assert not re.search(r"\b(?:src|href)\s*=\s*[\"']?(?:https?:)?//", page)
    # the query the page starts with works
    default = re.search(r"<textarea[^>]*>(.*?)</textarea>", page, re.S)
    assert default is not None
    assert ask(server, default[1], JSON, "POST")["results"]["bindings"]


# ---------------------------------------------------------------------- loopback
def local_addresses() -> set[str]:
    """This machine's IPv4 addresses, from the kernel's routing tables (Linux)."""
    try:
        lines = Path("/proc/net/fib_trie").read_text().splitlines()
    except OSError:
        return set()
    out = set()
    for before, line in itertools.pairwise(lines):
        if "/32 host LOCAL" in line:
            out.add(before.split()[-1])
    return out


def listening(port: int) -> set[str]:
    """The IPv4 addresses a socket listens on at `port` (from /proc/net/tcp)."""
    out = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, _, state = line.split()[1:4]
        address, hexport = local.split(":")
        if int(hexport, 16) == port and state == "0A":
            out.add(socket.inet_ntoa(bytes.fromhex(address)[::-1]))
    return out


def refused(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return False
    except OSError:
        return True


def test_listens_on_loopback_only_by_default(server: Server) -> None:
    assert server.host == "127.0.0.1"
    if Path("/proc/net/tcp").exists():
        assert listening(server.port) == {"127.0.0.1"}
    assert not refused("127.0.0.1", server.port)
    others = local_addresses() - {"127.0.0.1"}
    for address in others:  # e.g. 127.0.0.2 is loopback too, but not the address it is bound to
        assert refused(address, server.port), address
    assert refused("127.0.0.2", server.port)


def test_host_is_honoured_and_interrupt_stops(work: Path) -> None:
    with serving("--store", "store", "--host", "localhost", "--quiet", cwd=work) as s:
        assert s.host == "127.0.0.1"  # the address `localhost` resolved to
        assert names(ask(s, PERPETRATORS)) == sorted(KILLERS)
        assert stop(s.proc, s.reader) == 130  # Ctrl-C: kg's exit status for an interruption
        rest = []
        while (line := s.lines.get(timeout=10)) is not None:
            rest.append(line)
        assert rest == ["kg: interrupted\n"], rest
        assert refused("127.0.0.1", s.port)


def test_host_that_is_not_here_is_refused(work: Path) -> None:
    absent = "203.0.113.7"  # TEST-NET-3: not an address of this machine
    nonlocal_bind = Path("/proc/sys/net/ipv4/ip_nonlocal_bind")
    if absent in local_addresses() or (nonlocal_bind.exists() and nonlocal_bind.read_text().strip() != "0"):
        pytest.skip("this machine could listen there")
    result = kg("serve", "--store", "store", "--host", absent, "--port", "0", cwd=work)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"kg: error: cannot listen on {absent}:0"), result.stderr


def test_busy_port_is_a_clear_error(work: Path, server: Server) -> None:
    result = kg("serve", "--store", "store", "--port", str(server.port), cwd=work)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [result.stderr.strip()]
    assert f"cannot listen on 127.0.0.1:{server.port}" in result.stderr
    assert names(ask(server, PERPETRATORS)) == sorted(KILLERS)  # the first server is unharmed


# ---------------------------------------------------------------------- time limit and cap
def children(pid: int) -> set[int]:
    out: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            out |= {int(c) for c in (task / "children").read_text().split()}
    return out


def no_query_process_left(server: Server) -> None:
    if Path(f"/proc/{server.proc.pid}/task").exists():
        deadline = time.monotonic() + 10  # only stops a wait for ever
        while children(server.proc.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not children(server.proc.pid)


def wait_for_a_query_process(server: Server) -> None:
    """Wait until the server runs a query in a process of its own (Linux; elsewhere, a moment)."""
    if not Path(f"/proc/{server.proc.pid}/task").exists():
        time.sleep(1)
        return
    deadline = time.monotonic() + 60  # only stops a wait for ever
    while not children(server.proc.pid):
        assert time.monotonic() < deadline, "the server never started the query's process"
        time.sleep(0.05)


def test_time_limit(limited: Server) -> None:
    """A query that would run for hours is cut off at the limit: a 503 that says so, logged with that status,
    and its process is gone; the endpoint still answers."""
    status, message = http_error(sparql(limited, ENDLESS, JSON, "POST"))
    assert status == 503, message
    assert message == "query cut off after 1 s (the limit of this endpoint)\n"
    # the log line says 503: read until it comes (its 30 s only stop a wait for ever)
    cut = re.compile(r"kg serve: \S+ 503 - \d+ ms SELECT \(COUNT\(\*\) AS \?n\) WHERE \{ \?a \?b \?c .*\n")
    while not cut.fullmatch(line := limited.lines.get(timeout=30) or ""):
        assert line, "kg serve ended without logging the query it cut off"
    assert ask(limited, "ASK { ?s ?p ?o }")["boolean"] is True
    no_query_process_left(limited)


def test_a_slow_query_does_not_hold_up_the_others(work: Path) -> None:
    """A query that runs for minutes (sent, its answer never read here) and a quick one sent while it runs: the
    quick one is answered while the slow one still has no answer, so it was not queued behind it. Then Ctrl-C
    stops the server while the slow one runs: its process goes too (busy in Oxigraph's native code, it never runs
    a SIGTERM handler, and it ran on for hours after the server had stopped)."""
    queries: set[int] = set()
    try:
        with serving("--store", "store", "--timeout", "600", "--quiet", cwd=work) as s:
            body = urllib.parse.urlencode({"query": ENDLESS}).encode()
            head = (
                f"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1:{s.port}\r\nContent-Type: application/x-www-form-urlencoded"
                f"\r\nContent-Length: {len(body)}\r\n\r\n"
            )
            with socket.create_connection((s.host, s.port), timeout=30) as slow:
                slow.sendall(head.encode() + body)
                wait_for_a_query_process(s)
                queries = children(s.proc.pid)
                assert ask(s, ASK)["boolean"] is True
                slow.setblocking(False)
                with pytest.raises(BlockingIOError):  # no answer yet, and the connection still open
                    slow.recv(1024)
        deadline = time.monotonic() + 30  # only stops a wait for ever
        while (
            left := {pid for pid in queries if Path(f"/proc/{pid}").exists()}
        ) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not left, "a query's process ran on after kg serve stopped"
    finally:
        for pid in queries:  # never leave one behind, even when the test fails
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def test_result_cap(limited: Server) -> None:
    status, message = http_error(sparql(limited, "SELECT ?s ?p ?o WHERE { ?s ?p ?o }", JSON, "POST"))
    assert status == 413
    assert "more than 5 rows" in message and "LIMIT" in message
    assert len(ask(limited, "SELECT ?s WHERE { ?s ?p ?o } LIMIT 5")["results"]["bindings"]) == 5
    assert len(ask(limited, "SELECT ?s WHERE { ?s ?p ?o } LIMIT 3", CSV).decode().splitlines()) == 4
    status, message = http_error(sparql(limited, "CONSTRUCT WHERE { ?s ?p ?o }", TURTLE))
    assert status == 413, message
    data = sparql(limited, "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 5", TURTLE).query().convert()
    assert len(list(ox.parse(data, format=ox.RdfFormat.TURTLE))) == 5


def test_json_result_is_parseable_without_sparqlwrapper(server: Server) -> None:
    status, ctype, body = http(
        f"{server.endpoint}?{urllib.parse.urlencode({'query': PERPETRATORS})}",
        headers={"Accept": "application/sparql-results+json"},
    )
    assert status == 200 and ctype.startswith("application/sparql-results+json")
    assert names(json.loads(body)) == sorted(KILLERS)


# ---------------------------------------------------------------------- raw HTTP
def raw(server: Server, request: bytes, *, timeout: float = 30) -> tuple[int, dict[str, str], bytes]:
    return raw_http(server.host, server.port, request, timeout)


def request(
    server: Server, method: str, path: str, headers: dict[str, str], body: bytes | None = None
) -> tuple[int, str]:
    """One request through http.client with exactly these headers (Host included, when given)."""
    connection = HTTPConnection(server.host, server.port, timeout=60)
    try:
        connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        for k, v in headers.items():
            connection.putheader(k, v)
        if body is not None:
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8", errors="replace")
    finally:
        connection.close()


def logged(server: Server) -> str:
    """What the server wrote on stderr so far (after its first line)."""
    out = []
    with contextlib.suppress(queue.Empty):
        while (line := server.lines.get(timeout=0.5)) is not None:
            out.append(line)
    return "".join(out)


ASK = "ASK { ?s ?p ?o }"
CHROMIUM = Path("/usr/bin/chromium")
ASK_PATH = "/sparql?" + urllib.parse.urlencode({"query": ASK})


# ---------------------------------------------------------------------- SERVICE
def send(server: Server, query: str, how: str) -> tuple[int, str]:
    """(status, body) of `query` sent as GET, a form POST or an application/sparql-query POST."""
    if how == "GET":
        status, _, body = http(f"{server.endpoint}?{urllib.parse.urlencode({'query': query})}")
    elif how == "POST":
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        status, _, body = http(server.endpoint, urllib.parse.urlencode({"query": query}).encode(), form)
    else:
        status, _, body = http(server.endpoint, query.encode(), {"Content-Type": "application/sparql-query"})
    return status, body


def test_service_is_refused(server: Server) -> None:
    with sparql_stub() as stub:
        for url in (stub.url, server.endpoint):  # another server, or this one (requests multiplied)
            query = f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}"
            for how in ("GET", "POST", "DIRECT"):
                status, message = send(server, query, how)
                assert status == 400, (how, status, message)
                assert message == "SERVICE calls other servers: this endpoint does not follow them\n", message
        # spelt as Oxigraph also reads it: glued to what comes before, lower case, through a prefix
        for query in (
            f"SELECT * WHERE {{ ?s ?p trueservice<{stub.url}> {{ }} }}",
            f"PREFIX : <{stub.url.rsplit('/', 1)[0]}/> SELECT * WHERE {{ SERVICE:sparql {{ }} }}",
        ):
            assert send(server, query, "POST")[0] == 400, query
        assert stub.requests == []


def test_deep_query_is_refused(server: Server) -> None:
    status, message = send(server, "SELECT * WHERE " + "{" * 5000 + "}" * 5000, "POST")
    assert status == 400 and "levels deep" in message, message


# ---------------------------------------------------------------------- Host and Origin
def test_host_must_name_this_server(server: Server) -> None:
    port = server.port
    for host in (
        f"127.0.0.1:{port}",
        f"localhost:{port}",
        "localhost",
        "127.0.0.1",
        f"[::1]:{port}",
        f"LocalHost:{port}",
    ):
        status, body = request(server, "GET", ASK_PATH, {"Host": host})
        assert status == 200, (host, body)
    for host in (
        "evil.example",
        f"evil.example:{port}",
        f"127.0.0.1:{port + 1}",
        f"localhost.evil.example:{port}",
        f"127.0.0.1.evil.example:{port}",
        f"127.0.0.1:{port}@evil.example",
        "",
    ):
        status, body = request(server, "GET", ASK_PATH, {"Host": host})
        assert status == 403 and "Host" in body, (host, status, body)
    assert request(server, "GET", "/", {"Host": "rebound.example"})[0] == 403  # the page too
    assert request(server, "GET", ASK_PATH, {})[0] == 403  # no Host at all


def test_cross_site_requests_are_refused(server: Server) -> None:
    host = f"127.0.0.1:{server.port}"
    form = {"Host": host, "Content-Type": "application/x-www-form-urlencoded"}
    body = urllib.parse.urlencode({"query": ASK}).encode()
    for headers in (
        {"Origin": "http://evil.example"},
        {"Origin": "null"},
        {"Origin": f"http://localhost:{server.port}"},  # another origin, though the same machine
        {"Origin": f"https://{host}"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Origin": f"http://{host}", "Sec-Fetch-Site": "cross-site"},
    ):
        status, message = request(server, "POST", "/sparql", {**form, **headers}, body)
        assert status == 403 and "cross-site" in message, (headers, status, message)
    # the page posting to /sparql: same origin
    same = {"Origin": f"http://{host}", "Sec-Fetch-Site": "same-origin"}
    assert request(server, "POST", "/sparql", {**form, **same}, body)[0] == 200
    assert request(server, "GET", "/", {"Host": host, "Sec-Fetch-Site": "none"})[0] == 200


@contextlib.contextmanager
def other_site() -> Iterator[str]:
    """Another web site on this machine (127.0.0.1, a free port) with one page; yields its origin."""

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b"<!doctype html><p>another site"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    site = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    thread = threading.Thread(target=site.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{site.server_address[1]}"
    finally:
        site.shutdown()
        site.server_close()
        thread.join(10)


def test_in_a_browser_the_page_works_and_other_sites_are_refused(server: Server) -> None:
    """Headless Chromium, its requests kept on this machine: the query page runs its query (same origin); a page of
    another origin (another server on 127.0.0.1) that posts a query to the endpoint, and a name that resolves to
    127.0.0.1 (DNS rebinding, here by Chromium's resolver rules), are answered 403."""
    from playwright.sync_api import sync_playwright  # a development dependency, as for the viewer's tests

    assert CHROMIUM.is_file(), f"{CHROMIUM} is missing: .ci/run installs Debian's chromium"
    rebound = f"http://rebound.example:{server.port}"
    rules = "--host-resolver-rules=MAP rebound.example 127.0.0.1, MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"
    with other_site() as other_origin, sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox", rules]
        )
        try:
            page = browser.new_page()
            local = re.compile(r"^(?!http://(127\.0\.0\.1|rebound\.example):)")
            page.route(local, lambda route: route.abort())  # nothing leaves this machine

            # the page, from this server: its query runs
            page.goto(server.base + "/")
            with page.expect_response(server.endpoint) as answer:
                page.click("button[type=submit]")
            assert answer.value.status == 200
            page.wait_for_function("() => / rows$/.test(document.getElementById('msg').textContent)")
            assert page.locator("#out tr").count() > 1

            # a page of another origin posting a query (the browser sends it: a form POST needs no permission)
            page.goto(other_origin + "/")
            with page.expect_response(server.endpoint) as answer:
                page.evaluate(
                    """(url) => fetch(url, {method: 'POST', mode: 'no-cors', body: new URLSearchParams({query:
                         'ASK { ?s ?p ?o }'})}).catch(() => null)""",
                    server.endpoint,
                )
            assert answer.value.status == 403

            # the server under another name
            response = page.goto(rebound + "/")
            assert response is not None and response.status == 403
        finally:
            browser.close()


# ---------------------------------------------------------------------- request lengths and methods
def post_head(server: Server, length: str | None, extra: str = "") -> bytes:
    lines = [
        "POST /sparql HTTP/1.1",
        f"Host: 127.0.0.1:{server.port}",
        "Content-Type: application/x-www-form-urlencoded",
        "Connection: close",
    ]
    if length is not None:
        lines.append(f"Content-Length: {length}")
    return ("\r\n".join(lines) + extra + "\r\n\r\n").encode()


def test_request_lengths(server: Server) -> None:
    body = urllib.parse.urlencode({"query": ASK}).encode()
    assert raw(server, post_head(server, str(len(body))) + body)[0] == 200
    for length in ("-1", "abc", "+5", "1_0", "0x10", " ", "5, 7", "1e3"):
        status, _, message = raw(server, post_head(server, length) + body)
        assert status == 400 and b"Content-Length" in message, (length, status, message)
    status, _, message = raw(server, post_head(server, None) + body)
    assert status == 411 and b"Content-Length" in message, (status, message)
    status, _, message = raw(server, post_head(server, None, "\r\nTransfer-Encoding: chunked") + b"0\r\n\r\n")
    assert status == 411, (status, message)
    status, _, message = raw(
        server, post_head(server, str(len(body)), f"\r\nContent-Length: {len(body) + 1}") + body
    )
    assert status == 400, (status, message)
    for length in (str(2 << 20), "9" * 30):
        status, _, message = raw(server, post_head(server, length))
        assert status == 413, (length, status, message)
    status, _, message = raw(server, post_head(server, str(len(body) + 10)) + body)  # the body ends early
    assert status == 400, (status, message)
    assert "Traceback" not in logged(server)
    assert ask(server, ASK)["boolean"] is True


def test_head_and_options(server: Server) -> None:
    host = {"Host": f"127.0.0.1:{server.port}"}
    status, headers, body = raw(server, f"HEAD / HTTP/1.1\r\nHost: {host['Host']}\r\n\r\n".encode())
    assert (status, body) == (200, b"")
    assert int(headers["content-length"]) == len(http(server.base + "/")[2].encode("utf-8"))
    status, headers, body = raw(server, f"HEAD {ASK_PATH} HTTP/1.1\r\nHost: {host['Host']}\r\n\r\n".encode())
    assert (status, body) == (200, b"") and headers["content-type"].startswith(
        "application/sparql-results+json"
    )
    for path in ("/sparql", "/"):
        status, headers, body = raw(
            server, f"OPTIONS {path} HTTP/1.1\r\nHost: {host['Host']}\r\n\r\n".encode()
        )
        assert (status, body) == (204, b""), (path, status, body)
        assert {m.strip() for m in headers["allow"].split(",")} == {"GET", "HEAD", "POST", "OPTIONS"}
    status, headers, _ = raw(server, f"DELETE /sparql HTTP/1.1\r\nHost: {host['Host']}\r\n\r\n".encode())
    assert status == 405 and "POST" in headers["allow"]


# ---------------------------------------------------------------------- bytes, memory, queries, connections
LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"


def concat_query(copies: int, joins: int = 3) -> str:
    """One row: every label of a `joins`-fold cross product of the labels, `copies` times over, in one string."""
    patterns = " . ".join(f"?a{i} {LABEL} ?l{i}" for i in range(joins))
    return f"SELECT (GROUP_CONCAT(CONCAT({', '.join(['?l0'] * copies)})) AS ?x) WHERE {{ {patterns} }}"


def test_byte_cap(server: Server) -> None:
    # about 12 MB in one row: over the default cap of 10 MB, which the cap on rows does not see
    status, message = http_error(sparql(server, concat_query(10), JSON, "POST"))
    assert status == 413, message[:200]
    assert "over 10000000 bytes" in message and "LIMIT" in message, message
    assert len(ask(server, concat_query(1, 2))["results"]["bindings"][0]["x"]["value"]) > 10_000


def test_byte_cap_option(work: Path) -> None:
    with serving("--store", "store", "--max-bytes", "20000", cwd=work) as s:
        status, message = http_error(sparql(s, concat_query(1, 2), JSON, "POST"))
        assert status == 413 and "over 20000 bytes" in message, message
        for fmt in (CSV, XML, TURTLE):
            query = concat_query(1, 2) if fmt != TURTLE else "CONSTRUCT WHERE { ?s ?p ?o }"
            assert http_error(sparql(s, query, fmt, "POST"))[0] == 413, fmt
        assert ask(s, ASK)["boolean"] is True


def test_memory_cap(work: Path) -> None:
    """A query whose process grows past --max-memory is stopped: a clear 503 long before the time limit."""
    labels = " . ".join(f"?a{i} {LABEL} ?l{i}" for i in range(5))
    hungry = f"SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?l0 ?l1 ?l2 ?l3 ?l4 WHERE {{ {labels} }} }}"
    with serving("--store", "store", "--max-memory", "256", "--timeout", "60", cwd=work) as s:
        status, message = http_error(sparql(s, hungry, JSON, "POST"))
        # stopped for its memory, not cut off at the time limit (60 s)
        assert status == 503 and "memory" in message and "256 MiB" in message, (status, message)
        assert ask(s, ASK)["boolean"] is True
        no_query_process_left(s)
        assert "Traceback" not in logged(s)


def test_busy_endpoint_says_so(work: Path) -> None:
    with serving("--store", "store", "--max-queries", "1", "--timeout", "3", cwd=work) as s:
        slow: list[int] = []
        other = threading.Thread(target=lambda: slow.append(http_error(sparql(s, ENDLESS, JSON, "POST"))[0]))
        other.start()
        wait_for_a_query_process(s)
        # busy at once: queued behind the slow one, it would have been answered 200 once that one was cut off
        status, message = http_error(sparql(s, ASK, JSON))
        assert status == 503 and "busy" in message, (status, message)
        other.join(30)
        assert slow == [503]
        assert ask(s, ASK)["boolean"] is True


def test_connection_cap_and_slow_clients(work: Path) -> None:
    with serving("--store", "store", "--max-connections", "2", "--client-timeout", "2", cwd=work) as s:
        idle = [socket.create_connection((s.host, s.port), timeout=30) for _ in range(2)]
        try:
            time.sleep(0.5)
            # over the cap: turned away, not kept waiting for a slot (it would then be answered 200)
            status, _, body = raw(s, f"GET {ASK_PATH} HTTP/1.1\r\nHost: 127.0.0.1:{s.port}\r\n\r\n".encode())
            assert status == 503 and b"busy" in body, (status, body)
            # the idle ones are let go once their time is up: closed by the server (their own 30 s timeout
            # only stops a wait for ever, and raises)
            for sock in idle:
                with contextlib.suppress(ConnectionResetError):
                    assert sock.recv(1024) == b""
        finally:
            for sock in idle:
                sock.close()
        assert ask(s, ASK)["boolean"] is True

        # a client that sends one byte at a time, never finishing its request, is cut off too
        request_line = f"GET {ASK_PATH} HTTP/1.1\r\nHost: 127.0.0.1:{s.port}\r\n".encode()
        with socket.create_connection((s.host, s.port), timeout=30) as sock:
            cut = False
            for i in range(len(request_line)):  # a byte every 0.5 s: never the whole request
                try:
                    sock.sendall(request_line[i : i + 1])
                except OSError:
                    cut = True
                    break
                time.sleep(0.5)
                sock.setblocking(False)
                try:
                    cut = sock.recv(1024) == b""
                except BlockingIOError:
                    pass
                except OSError:
                    cut = True
                sock.setblocking(True)
                if cut:
                    break
            assert cut, f"a client sending a byte every 0.5 s was not cut off in {len(request_line) / 2:g} s"
        assert ask(s, ASK)["boolean"] is True
        assert "Traceback" not in logged(s)


# ---------------------------------------------------------------------- the store's path stays private
def test_errors_do_not_show_the_store_path(work: Path, tmp_path: Path) -> None:
    private = tmp_path / "private-folder-7f3a"
    shutil.copytree(work / "store", private / "store")
    with serving("--store", str(private / "store"), cwd=work) as s:
        assert ask(s, ASK)["boolean"] is True
        (private / "store" / "oxigraph").rename(private / "elsewhere")
        status, message = http_error(sparql(s, ASK, JSON))
        assert status == 503 and "cannot be opened" in message, (status, message)
        assert "private-folder-7f3a" not in message and str(tmp_path) not in message, message


def test_hosts_allowed_for_other_addresses() -> None:
    """Which Host names a server bound elsewhere than loopback accepts (worked out without listening there)."""
    from kg.outputs.server import allowed_hosts

    names, any_ip = allowed_hosts(
        "0.0.0.0", "0.0.0.0"
    )  # every interface: any address, localhost, this machine
    assert any_ip and {"localhost", socket.gethostname().lower()} <= names
    names, any_ip = allowed_hosts("192.0.2.5", "192.0.2.5")  # one interface: its address only
    assert (names, any_ip) == ({"192.0.2.5"}, False)
    names, any_ip = allowed_hosts("box.example", "192.0.2.5")  # named: the name and the address
    assert (names, any_ip) == ({"box.example", "192.0.2.5"}, False)
